import pg from 'pg';
import type { Logger } from '../logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(connectionString: string, logger: Logger, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: 'bookbell' });
  // An idle client losing its server (restart, failover) must not crash the process; the next query reconnects.
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client failed'));
  return pool;
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
