import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Acknowledged } from './acknowledged.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startTemporal, type TemporalServer } from '../../src/temporal/server.js';
import { inParallel } from '../support/books.js';
import { crmClient, type Call, type CrmResponse } from './crm-client.js';
import { TEST_ROLE_KEYS, testDataConverter } from '../support/payload-keys.js';
import { startTestPostgres } from '../support/postgres.js';
import { memoryOf, pidByCommandLine, startApiProcess, startWorkerProcess, type RoleProcess } from './processes.js';
import { onShutdown } from './shutdown.js';
import { DURABILITIES, type Durability } from '../../src/durability.js';
import { STATEMENT_STATS_SETTINGS, statementStatsWanted } from './statement-stats.js';

/** BENCH_ROLE_ENV="NAME=value,…": configuration for every worker and API process, to try a setting. */
const ROLE_ENV = Object.fromEntries(
  (process.env.BENCH_ROLE_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);

/** What every benchmark runs on: the file-backed dev server `npm start` runs (same SQLite pragmas) and PostgreSQL. */
export interface BenchInfra {
  temporalAddress: string;
  databaseUrl: string;
  /** The dev server's process, for its RSS. */
  temporalPid: () => number | undefined;
  /** The port of the embedded PostgreSQL whose CPU time is this run's alone (undefined on a shared server). */
  postgresPort: number | undefined;
  /** With bookbell's codec: reads what the roles wrote (plain payloads pass through it). */
  client: Client;
  /** Without it, for the floor: bare Temporal, whose worker has no codec either. */
  floorClient: Client;
  pool: Pool;
  /** Environment for `npm run worker` / `npm run api` processes against this infrastructure. */
  roleEnv: (taskQueue: string, env?: Record<string, string>) => Record<string, string>;
  /** Stops the dev server (its SQLite file stays); `startTemporal` starts it again on the same port and file. */
  stopTemporal: () => Promise<void>;
  startTemporal: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * The stores' durability for a bench run: `safe` (what `npm start` runs) unless BENCH_DURABILITY=fast-unsafe. Both
 * bookbell and the floor run on the same servers, so their ratio compares like with like.
 */
export function benchDurability(env: NodeJS.ProcessEnv = process.env): Durability {
  const value = env.BENCH_DURABILITY ?? 'safe';
  if (!(DURABILITIES as readonly string[]).includes(value)) {
    throw new Error(`BENCH_DURABILITY must be one of ${DURABILITIES.join(', ')}, not "${value}"`);
  }
  return value as Durability;
}

/** Stops a dev server left running on `dbFilename` by a start that gave up on it, and waits until it has exited. */
async function stopLeftover(dbFilename: string): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 250) {
    const pid = pidByCommandLine(dbFilename);
    if (pid === undefined) return;
    try {
      process.kill(pid, waited < 10_000 ? 'SIGTERM' : 'SIGKILL');
    } catch {
      return; // gone meanwhile
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A fresh dev server (SQLite in a temp folder, as `npm start` keeps it in `.data/`) and a fresh database (embedded
 * PostgreSQL, or a throwaway database on DATABASE_URL's server when that is set) unless `databaseUrl` names one.
 */
export async function startBenchInfra(options: { databaseUrl?: string } = {}): Promise<BenchInfra> {
  const durability = benchDurability();
  console.log(`stores: ${durability} (BENCH_DURABILITY; npm start's default is safe)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'bookbell-bench-'));
  const dbFilename = join(dataDir, 'temporal.sqlite');
  // TEMPORAL_ADDRESS: measure against that server instead (e.g. one started by hand with other flags).
  const startServer = (port?: number) =>
    startTemporal({ address: process.env.TEMPORAL_ADDRESS, namespace: 'default', dbFilename, port, durability });
  /**
   * Starts the server again on its port (a drill's or a test's restart). On a loaded machine the SDK can give up
   * connecting to the server it started, and leaves that process running on the port: it is stopped, and the start
   * tried again (three times in all).
   */
  const restartServer = async (port: number): Promise<TemporalServer> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startServer(port);
      } catch (err) {
        if (attempt >= 3 || process.env.TEMPORAL_ADDRESS) throw err;
        await stopLeftover(dbFilename);
      }
    }
  };
  // Each server is stopped on SIGINT/SIGTERM, and when a later one fails to start.
  const stops: Array<() => Promise<void>> = [];
  const stopStarted = async () => {
    const errors: unknown[] = [];
    for (const stop of stops.splice(0).reverse()) await stop().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  };
  const unregister = onShutdown('the bench infrastructure', stopStarted);
  try {
    stops.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    let temporal: TemporalServer = await startServer();
    stops.push(() => temporal.stop());
    const port = Number(temporal.address.split(':').pop());
    // An existing database (the test run's) is used as it is: every drill and benchmark keeps to its own tenant.
    const postgres = options.databaseUrl
      ? { url: options.databaseUrl, stop: async () => {} }
      : await startTestPostgres(undefined, durability, statementStatsWanted ? STATEMENT_STATS_SETTINGS : undefined);
    stops.push(() => postgres.stop());
    const pool = createPool(postgres.url, createLogger('warn'), 10);
    stops.push(() => pool.end());
    await migrate(pool);
    // A page of a big book's history (continue-as-new inputs of hundreds of KB among 1,000 events) can exceed gRPC's
    // default 4 MB for one message; the benches read every history they ran.
    const connection = await Connection.connect({
      address: temporal.address,
      channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
    });
    // Stopped first: the connection, the pool, the dev server, PostgreSQL, then the dev server's folder.
    stops.push(() => connection.close());
    return {
      temporalAddress: temporal.address,
      databaseUrl: postgres.url,
      temporalPid: () => pidByCommandLine(process.env.BENCH_TEMPORAL_PROCESS ?? dbFilename),
      postgresPort: options.databaseUrl || process.env.DATABASE_URL ? undefined : Number(new URL(postgres.url).port),
      client: new Client({ connection, dataConverter: testDataConverter() }),
      floorClient: new Client({ connection }),
      pool,
      roleEnv: (taskQueue, env = {}) => ({
        TEMPORAL_ADDRESS: temporal.address,
        DATABASE_URL: postgres.url,
        TEMPORAL_TASK_QUEUE: taskQueue,
        ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
        ...TEST_ROLE_KEYS,
        // The benchmarks measure bookbell, not its limits: one tenant sends thousands of requests a second.
        API_RATE_LIMIT: '0',
        ...ROLE_ENV,
        ...env,
      }),
      stopTemporal: () => temporal.stop(),
      startTemporal: async () => {
        temporal = await restartServer(port);
      },
      stop: async () => {
        unregister();
        await stopStarted();
      },
    };
  } catch (err) {
    unregister();
    await stopStarted();
    throw err;
  }
}

export type { Call } from './crm-client.js';

export interface BenchSystem extends BenchInfra {
  call: Call;
  tenantId: string;
  worker: RoleProcess;
  api: RoleProcess & { url: string };
  /** The worker's resident memory now and at its peak (MiB). */
  workerMemory: () => { rssMiB: number; peakMiB: number } | undefined;
}

/**
 * The whole system as a cluster runs it: the infrastructure above, `npm run worker` and `npm run api` as processes of
 * their own, and a key of the `bench` tenant. `env` adds configuration (e.g. a fast retry schedule).
 */
export async function startBenchSystem(env: Record<string, string> = {}): Promise<BenchSystem> {
  const infra = await startBenchInfra();
  const roleEnv = infra.roleEnv('bookbell-bench', env);
  const roles = await Promise.allSettled([startWorkerProcess(roleEnv), startApiProcess(roleEnv)]);
  const [worker, api] = roles;
  if (worker.status === 'rejected' || api.status === 'rejected') {
    for (const role of roles) if (role.status === 'fulfilled') await role.value.stop();
    await infra.stop();
    throw worker.status === 'rejected' ? worker.reason : (api as PromiseRejectedResult).reason;
  }
  const stop = async () => {
    await api.value.stop();
    await worker.value.stop();
    await infra.stop();
  };
  const tenantId = 'bench';
  const { key } = await createApiKey(infra.pool, tenantId, 'bench').catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return {
    ...infra,
    call: crmClient(api.value.url, key),
    tenantId,
    worker: worker.value,
    api: api.value,
    workerMemory: () => memoryOf(worker.value.pid),
    stop,
  };
}

/** Fails loudly on an unexpected status: a benchmark must not measure errors. */
export async function expectStatus(response: Promise<CrmResponse>, status: number) {
  const { status: got, body } = await response;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

/**
 * Uploads `docs` to a book and verifies each (SUCCEEDED), `concurrency` requests at a time, as a busy CRM would;
 * each 202 goes into `acknowledged`.
 */
export async function fillBook(
  call: Call,
  bookUuid: string,
  docs: string[],
  concurrency: number,
  acknowledged?: Acknowledged,
) {
  await inParallel(docs, concurrency, async (docUuid) => {
    await expectStatus(call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'stmt.pdf' }), 202);
    acknowledged?.upload(bookUuid, docUuid);
  });
  await inParallel(docs, concurrency, async (docUuid) => {
    const path = `/v1/books/${bookUuid}/documents/${docUuid}/verification`;
    await expectStatus(call('POST', path, { result: 'SUCCEEDED' }), 202);
    acknowledged?.result(bookUuid, docUuid, 'SUCCEEDED');
  });
}

/** `BENCH_QUICK=1` shrinks every benchmark to a smoke run (checks the code, measures nothing worth quoting). */
export const QUICK = process.env.BENCH_QUICK === '1';

/** A number from the environment, or the full-size default (or the quick one under BENCH_QUICK). */
export function benchNumber(name: string, full: number, quick: number): number {
  const value = process.env[name];
  return value ? Number(value) : QUICK ? quick : full;
}

/** Percentile (0–100) of `values` by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Prints rows as an aligned plain-text table: the first `leftColumns` columns are text, the rest numbers. */
export function printTable(header: string[], rows: string[][], leftColumns = 1): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)));
  console.log(line(header).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row).join('  '));
}
