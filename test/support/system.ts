import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { IllegalStateError } from '@temporalio/common';
import { Runtime, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createPool, createWorkerPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startApiRole, startWorkerRole, type Role } from '../../src/roles.js';
import { temporalConnectionOptions } from '../../src/temporal/connection-options.js';
import { dataConverterOf } from '../../src/temporal/data-converter.js';
import { bundleWorkflows } from '../../src/temporal/workflow-bundle.js';
import { TEST_ROLE_KEYS } from './payload-keys.js';

let bundle: Promise<WorkflowBundle> | undefined;

/** The SDK's runtime logging warnings only, unless a test file that wants its own log level installed it first. */
export function installTestRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (err) {
    if (!(err instanceof IllegalStateError)) throw err;
  }
}

/** Bundles `workflows/` once per test process (webpack takes seconds). */
export function workflowBundle(): Promise<WorkflowBundle> {
  if (!bundle) {
    installTestRuntime();
    bundle = bundleWorkflows();
  }
  return bundle;
}

export interface TestSystem {
  apiUrl: string;
  /** A key of this system's own tenant. */
  apiKey: string;
  /** A Temporal client for checking workflows directly (with the roles' codec). */
  client: Client;
  pool: Pool;
  tenantId: string;
  taskQueue: string;
  /** Stops the worker (books keep accepting signals; nothing runs until `startWorker`). */
  stopWorker: () => Promise<void>;
  startWorker: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * A real worker and a real intake API on a random port, against the run's Temporal dev server and database.
 * Each system gets its own tenant and task queue, so test files never see each other's books.
 */
export async function startTestSystem(env: Record<string, string> = {}): Promise<TestSystem> {
  // TEMPORAL_ADDRESS in `env` points this system elsewhere (e.g. a TLS proxy in front of the run's server).
  const temporalAddress = env.TEMPORAL_ADDRESS ?? inject('temporalAddress');
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const tenantId = `t-${randomUUID().slice(0, 8)}`;
  const taskQueue = `bookbell-test-${tenantId}`;
  const config = loadConfig({
    PORT: '0',
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...TEST_ROLE_KEYS,
    ...env,
  });
  // DATABASE_URL in `env` gives the system a database of its own (one its test may prune with short ages).
  const databaseUrl = env.DATABASE_URL ?? inject('databaseUrl');
  const pool = createPool(databaseUrl, logger);
  // As in production: the worker plans its statements once per connection (src/db/pool.ts: createWorkerPool).
  const workerPool = createWorkerPool(databaseUrl, logger);
  const { key: apiKey } = await createApiKey(pool, tenantId, 'tests');
  const bundle = await workflowBundle();
  const runWorker = () =>
    startWorkerRole({ config, temporalAddress, pool: workerPool, logger, workflowBundle: bundle });
  let worker: Role | undefined = await runWorker();
  const api = await startApiRole({ config, temporalAddress, pool, logger });
  const connection = await Connection.connect(temporalConnectionOptions(config, temporalAddress));
  const stopWorker = async () => {
    await worker?.stop();
    worker = undefined;
  };
  return {
    apiUrl: api.url,
    apiKey,
    client: new Client({ connection, dataConverter: dataConverterOf(config) }),
    pool,
    tenantId,
    taskQueue,
    stopWorker,
    startWorker: async () => {
      worker ??= await runWorker();
    },
    stop: async () => {
      await api.stop();
      await stopWorker();
      await connection.close();
      await Promise.all([pool.end(), workerPool.end()]);
    },
  };
}
