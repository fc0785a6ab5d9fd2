import { withClient, type Pool, type PoolClient } from './pool.js';

/**
 * Runs reads in one read-only snapshot. The change log and the event feed read their horizon and their rows with it:
 * under read committed, two statements (or the parts of one) could see different commits.
 */
export async function inSnapshot<T>(pool: Pool, read: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('begin isolation level repeatable read read only');
    try {
      const result = await read(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  });
}
