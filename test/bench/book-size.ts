// `npm run bench`: how a book's cost grows with its size. Drives books of 1,000, 5,000 and 10,000 documents through
// the real API, worker, Temporal dev server (file-backed SQLite, as `npm start` runs it) and PostgreSQL, and prints
// each size's per-document cost as a ratio to the 1,000-document book measured in the same run (flat ≈ 1.0),
// plus each run's history length (Temporal's limit is 51,200 events) and the worker's and dev server's memory.
import { randomUUID } from 'node:crypto';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { benchNumber, expectStatus, fillBook, printTable, QUICK, startBenchSystem } from './harness.js';
import { memoryOf, sampleMemory } from './processes.js';

const SIZES = (process.env.BENCH_SIZES ?? (QUICK ? '100,300' : '1000,5000,10000')).split(',').map(Number);
const CONCURRENCY = benchNumber('BENCH_CONCURRENCY', 32, 8);

async function main() {
  const { call, client, stop, worker, temporalPid, pool, tenantId } = await startBenchSystem();
  const rows: Array<{ size: number; seconds: number; toComplete: number; msPerDoc: number; runs: number[] }> = [];
  const serverMemory = sampleMemory(temporalPid, 1000);
  let workerPeakMiB = 0;
  try {
    for (const size of SIZES) {
      const started = Date.now();
      const book = await expectStatus(call('POST', '/v1/books', { name: `Bench ${size}` }), 201);
      const bookUuid = book.book_uuid as string;
      const docs = Array.from({ length: size }, () => randomUUID());
      await fillBook(call, bookUuid, docs, CONCURRENCY);
      await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
      const handle = client.workflow.getHandle(bookWorkflowId('bench', bookUuid));
      await handle.result();
      const seconds = (Date.now() - started) / 1000;
      const { rows: recorded } = await pool.query<{ at: Date }>(
        `select recorded_at as at from events where tenant_id = $1 and book_uuid = $2 and event_type = 'BOOK_COMPLETE'`,
        [tenantId, bookUuid],
      );
      const toComplete = ((recorded[0]?.at.getTime() ?? Number.NaN) - started) / 1000;
      const runs: number[] = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
        runs.push(run.historyLength);
      }
      rows.push({ size, seconds, toComplete, msPerDoc: (seconds * 1000) / size, runs: runs.reverse() });
      console.log(
        `book of ${size}: BOOK_COMPLETE after ${toComplete.toFixed(1)} s, finished after ${seconds.toFixed(1)} s`,
      );
    }
    workerPeakMiB = memoryOf(worker.pid)?.peakMiB ?? Number.NaN;
  } finally {
    await stop();
  }
  const serverPeakMiB = serverMemory.stop();

  const baseline = rows[0] as (typeof rows)[number];
  console.log(`\nper-document cost, ratio to the ${baseline.size}-document book of this run (flat ≈ 1.00):\n`);
  printTable(
    ['documents', 'to BOOK_COMPLETE (s)', 'to ANALYTICS_COMPLETED (s)', 'ms/doc', 'ratio', 'runs', 'longest history'],
    rows.map((row) => [
      `${row.size}`,
      row.toComplete.toFixed(1),
      row.seconds.toFixed(1),
      row.msPerDoc.toFixed(2),
      (row.msPerDoc / baseline.msPerDoc).toFixed(2),
      String(row.runs.length),
      String(Math.max(...row.runs)),
    ]),
  );
  for (const row of rows) console.log(`history per run, ${row.size} documents: ${row.runs.join(', ')} (limit 51,200)`);
  console.log(
    `worker RSS peak ${workerPeakMiB.toFixed(0)} MiB; Temporal dev server RSS peak ${serverPeakMiB.toFixed(0)} MiB`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
