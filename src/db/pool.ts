import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  /**
   * Plan every statement once per connection, for any values (`plan_cache_mode = force_generic_plan`): for a pool
   * whose statements all find rows by their keys (the worker's), where a plan made for the values is the same plan.
   */
  genericPlans?: boolean;
}

export function createPool(connectionString: string, logger: Logger, max = 10, options: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: 'bookbell',
    // Without it, PostgreSQL plans a prepared statement for its values at each of its first five runs on a
    // connection (and after, if it judges that plan cheaper). A session setting, made before the pool lends the
    // connection; a pooler that drops it leaves statements planned as before.
    ...(options.genericPlans
      ? {
          // pg-pool waits for the promise before it lends the client (@types/pg types the hook as returning void).
          // eslint-disable-next-line @typescript-eslint/no-misused-promises
          onConnect: (client: pg.ClientBase) => client.query('set plan_cache_mode = force_generic_plan'),
        }
      : {}),
  });
  // An idle client losing its server (restart, failover) must not crash the process; the next query reconnects.
  pool.on('error', (err: Error & { client?: unknown }) => {
    // pg-pool hangs the whole client on the error: its state and prepared statements, no use in a log line.
    delete err.client;
    logger.warn({ err }, 'idle PostgreSQL client failed');
  });
  return pool;
}

/**
 * The worker's pool. Its statements find rows by their keys (a book's, an endpoint's, a delivery's) or take rows by
 * ages written into them as numbers (src/db/retention.ts), so it plans each once per connection (`genericPlans`):
 * in a burst, on connections opened for it, nearly every statement was otherwise planned for its values, a quarter
 * of PostgreSQL's time there (docs/benchmarks.md).
 */
export function createWorkerPool(connectionString: string, logger: Logger, max?: number): Pool {
  return createPool(connectionString, logger, max, { genericPlans: true });
}

const preparedNames = new Map<string, string>();

/**
 * A statement PostgreSQL parses and plans once per connection, then only executes (a named prepared statement), for
 * `query(prepared(text), values)`. For the statements every event or request runs: planning them was about a third of
 * PostgreSQL's time in the burst benchmark. Only for constant texts (each text is one statement kept on every
 * connection); named by the text's hash, so two texts never share a name. Behind PgBouncer in transaction mode this
 * needs PgBouncer 1.21 or later with `max_prepared_statements` set (docs/operations.md).
 */
export function prepared(text: string): pg.QueryConfig {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `bookbell_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return { name, text };
}

/** Runs `fn` with one pooled client and always gives it back. */
export async function withClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

/** At most this long for a pool's connections to close (one that failed to connect is never reported closed). */
const POOL_CLOSE_WAIT_MS = 2000;

/**
 * Ends `pool` and waits for its connections to close. pg-pool's `end()` resolves once it has asked its idle clients to
 * close: PostgreSQL stopped right after may end them first, and each then logs "terminating connection".
 */
export async function endPool(pool: Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, POOL_CLOSE_WAIT_MS);
    const check = () => {
      if (open > 0) return;
      clearTimeout(timer);
      resolve();
    };
    pool.on('remove', () => {
      open--;
      check();
    });
    check();
  });
  await pool.end();
  await closed;
}

/** Runs `fn` in a transaction on one pooled client: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('begin');
    try {
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback');
      throw err;
    }
  });
}

/**
 * Runs `fn` in a transaction whose statements are planned without nested loops: for a join of two of one book's
 * lists (its results against its documents or events), which a nested loop never suits, but which statistics older
 * than a burst's rows (one row each, the planner guessed) made one that scanned a whole list per row of the other:
 * seconds at 5,000 documents, where a hash or merge join takes milliseconds.
 */
export async function withoutNestedLoops<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withPlannerSetting(pool, 'enable_nestloop = off', fn);
}

/**
 * Runs `fn` in a transaction whose statements never sort: for a page of one book's list read from the index that
 * holds the list's order. Statistics that guess the book holds a row or two (a table not analyzed since the book
 * grew) made PostgreSQL collect a whole 10,000-document book through a bitmap and sort it for each page of 10: 9 ms
 * where the index gives the page in 0.05 ms, growing with the book.
 */
export async function inIndexOrder<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withPlannerSetting(pool, 'enable_sort = off', fn);
}

/** `fn` in a transaction with one planner setting of its own (`set local`: gone at its end). */
async function withPlannerSetting<T>(pool: Pool, setting: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    await client.query(`set local ${setting}`);
    return fn(client);
  });
}
