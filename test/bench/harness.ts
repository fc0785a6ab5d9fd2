import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startApiRole, startWorkerRole } from '../../src/roles.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { startTemporal } from '../../src/temporal/server.js';
import { inParallel } from '../support/books.js';
import { request } from '../support/http.js';
import { startTestPostgres } from '../support/postgres.js';

export interface BenchSystem {
  call: (method: string, path: string, body?: unknown) => ReturnType<typeof request>;
  client: Client;
  pool: Pool;
  tenantId: string;
  stop: () => Promise<void>;
}

/**
 * The whole system as `npm start` runs it — file-backed dev server with its SQLite pragmas, a worker, the API — on a
 * fresh embedded PostgreSQL, for the benchmarks. `env` adds configuration (e.g. a fast retry schedule).
 */
export async function startBenchSystem(env: Record<string, string> = {}): Promise<BenchSystem> {
  const logger = createLogger('warn');
  installTemporalRuntime(logger);
  const dataDir = mkdtempSync(join(tmpdir(), 'bookbell-bench-'));
  const temporal = await startTemporal({ namespace: 'default', dbFilename: join(dataDir, 'temporal.sqlite') });
  const postgres = await startTestPostgres();
  const pool = createPool(postgres.url, logger, 20);
  await migrate(pool);
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'warn', ...env });
  const tenantId = 'bench';
  const { key } = await createApiKey(pool, tenantId, 'bench');
  const worker = await startWorkerRole({ config, temporalAddress: temporal.address, pool, logger });
  const api = await startApiRole({ config, temporalAddress: temporal.address, pool, logger });
  const connection = await Connection.connect({ address: temporal.address });
  return {
    call: (method, path, body) => request(api.url, method, path, body, { authorization: `Bearer ${key}` }),
    client: new Client({ connection }),
    pool,
    tenantId,
    stop: async () => {
      await api.stop();
      await worker.stop();
      await connection.close();
      await pool.end();
      await temporal.stop();
      await postgres.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Fails loudly on an unexpected status: a benchmark must not measure errors. */
export async function expectStatus(response: ReturnType<typeof request>, status: number) {
  const { status: got, body } = await response;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

/** Uploads `docs` to a book and verifies each (SUCCEEDED), `concurrency` requests at a time, as a busy CRM would. */
export async function fillBook(call: BenchSystem['call'], bookUuid: string, docs: string[], concurrency: number) {
  await inParallel(docs, concurrency, (docUuid) =>
    expectStatus(call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'stmt.pdf' }), 202),
  );
  await inParallel(docs, concurrency, (docUuid) =>
    expectStatus(call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, { result: 'SUCCEEDED' }), 202),
  );
}
