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

/**
 * The oldest transaction id that may still add rows before those a reader already holds: the oldest transaction of
 * the current snapshot still running, not counting those of other databases of the cluster (a long transaction of
 * another application sharing the PostgreSQL server would otherwise hold back every feed and stream). A running
 * transaction whose database it cannot tell (another role's session, without pg_read_all_stats) counts. With none
 * running, the snapshot's xmax. An SQL expression of type xid8, evaluated once per statement.
 */
export const FINAL_HORIZON = `coalesce(
    (select min(x) from pg_snapshot_xip(pg_current_snapshot()) x
     where not exists (select 1 from pg_stat_activity a
                       where a.datname <> current_database()
                         and a.backend_xid::text::bigint = x::text::bigint % 4294967296)),
    pg_snapshot_xmax(pg_current_snapshot()))`;
