// `npm run bench`: how a book's cost grows with its size. Drives books of 1,000, 5,000 and 10,000 documents through
// the real API, worker, Temporal dev server (file-backed SQLite, as `npm start` runs it) and PostgreSQL, and prints
// each size's per-document cost as a ratio to the 1,000-document book measured in the same run (flat ≈ 1.0),
// plus the longest history of any run (Temporal's limit is 51,200 events) and the worker's memory.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startApiRole, startWorkerRole } from '../../src/roles.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { startTemporal } from '../../src/temporal/server.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { inParallel } from '../support/books.js';
import { request } from '../support/http.js';
import { startTestPostgres } from '../support/postgres.js';

const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function expectStatus(response: Promise<{ status: number; body: unknown }>, status: number) {
  const { status: got, body } = await response;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

async function main() {
  const logger = createLogger('warn');
  installTemporalRuntime(logger);
  const dataDir = mkdtempSync(join(tmpdir(), 'bookbell-bench-'));
  const temporal = await startTemporal({ namespace: 'default', dbFilename: join(dataDir, 'temporal.sqlite') });
  const postgres = await startTestPostgres();
  const pool = createPool(postgres.url, logger, 20);
  await migrate(pool);
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'warn' });
  const { key } = await createApiKey(pool, 'bench', 'bench');
  const worker = await startWorkerRole({ config, temporalAddress: temporal.address, pool, logger });
  const api = await startApiRole({ config, temporalAddress: temporal.address, pool, logger });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const call = (method: string, path: string, body?: unknown) =>
    request(api.url, method, path, body, { authorization: `Bearer ${key}` });

  const rows: Array<{ size: number; seconds: number; msPerDoc: number; runs: number; maxHistory: number }> = [];
  try {
    for (const size of SIZES) {
      const started = performance.now();
      const book = await expectStatus(call('POST', '/v1/books', { name: `Bench ${size}` }), 201);
      const bookUuid = book.book_uuid as string;
      const docs = Array.from({ length: size }, () => randomUUID());
      await inParallel(docs, CONCURRENCY, (docUuid) =>
        expectStatus(call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'stmt.pdf' }), 202),
      );
      await inParallel(docs, CONCURRENCY, (docUuid) =>
        expectStatus(
          call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, { result: 'SUCCEEDED' }),
          202,
        ),
      );
      await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
      const handle = client.workflow.getHandle(bookWorkflowId('bench', bookUuid));
      await handle.result();
      const seconds = (performance.now() - started) / 1000;
      let runs = 0;
      let maxHistory = 0;
      for await (const run of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
        runs += 1;
        maxHistory = Math.max(maxHistory, run.historyLength);
      }
      rows.push({ size, seconds, msPerDoc: (seconds * 1000) / size, runs, maxHistory });
      console.log(`book of ${size}: BOOK_COMPLETE → ANALYTICS_COMPLETED in ${seconds.toFixed(1)} s`);
    }
  } finally {
    await api.stop();
    await worker.stop();
    await connection.close();
    await pool.end();
    await temporal.stop();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const baseline = rows[0] as (typeof rows)[number];
  console.log(`\nper-document cost, ratio to the ${baseline.size}-document book of this run (flat ≈ 1.00):`);
  for (const row of rows) {
    console.log(
      `  ${String(row.size).padStart(6)} docs: ${row.seconds.toFixed(1).padStart(6)} s total, ` +
        `${row.msPerDoc.toFixed(2)} ms/doc, ratio ${(row.msPerDoc / baseline.msPerDoc).toFixed(2)}, ` +
        `${row.runs} runs, longest run history ${row.maxHistory} events (limit 51,200)`,
    );
  }
  console.log(`worker + API process RSS: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
