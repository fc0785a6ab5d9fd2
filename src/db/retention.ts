import type { Pool } from './pool.js';

/**
 * The retention deletes, one bounded statement each: every call deletes at most `limit` rows it found through an index
 * (migration 016) and returns how many it deleted, so a caller loops until a call deletes fewer than `limit`. Short
 * statements hold their locks briefly, whatever the backlog.
 *
 * The statements that pick rows by age carry the age and their limit as numbers, not parameters, so each is planned
 * for them (few rows that old: the index), also on the worker's pool, which plans a statement's parameters once for
 * any values (src/db/pool.ts: createWorkerPool) and would guess a third of the table is that old. Those that pick a
 * book's rows by its key keep their parameters: any plan reads them through the book's index.
 */
const sqlNumber = (n: number): string => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a count or age in ms: ${n}`);
  return String(n);
};
const olderThan = (column: string, ageMs: number) => `${column} < now() - interval '${sqlNumber(ageMs)} milliseconds'`;
const limitTo = (limit: number) => `limit ${sqlNumber(limit)}`;

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const result = await pool.query<{ deleted: number }>(sql, params);
  return result.rows[0]?.deleted ?? 0;
}

/** Attempts older than the age, except those of deliveries still pending (their log explains the retries). */
export function pruneDeliveryAttempts(pool: Pool, ageMs: number, limit: number): Promise<number> {
  return count(
    pool,
    `with gone as (
       delete from delivery_attempts where ctid = any(array(
         select a.ctid from delivery_attempts a
         join deliveries d on d.tenant_id = a.tenant_id and d.event_id = a.event_id and d.endpoint_id = a.endpoint_id
         where ${olderThan('a.attempted_at', ageMs)} and d.status <> 'PENDING'
         ${limitTo(limit)}))
       returning 1)
     select count(*)::int as deleted from gone`,
  );
}

/** Idempotency keys past their replay window (IDEMPOTENCY_KEY_TTL): a claim would free them anyway. */
export function pruneIdempotencyKeys(pool: Pool, ageMs: number, limit: number): Promise<number> {
  return count(
    pool,
    `with gone as (
       delete from idempotency_keys where ctid = any(array(
         select ctid from idempotency_keys where ${olderThan('created_at', ageMs)} ${limitTo(limit)}))
       returning 1)
     select count(*)::int as deleted from gone`,
  );
}

/**
 * Change-log rows older than the age. The horizon moves up to the last deleted position in the same statement, so a
 * stream that reads the log and the horizon in one snapshot never misses a row without knowing it.
 */
export function pruneChangeLog(pool: Pool, ageMs: number, limit: number): Promise<number> {
  return count(
    pool,
    `with gone as (
       delete from book_changes where id = any(array(
         select id from book_changes where ${olderThan('changed_at', ageMs)} ${limitTo(limit)}))
       returning xid, id),
     top as (select xid, id from gone order by xid desc, id desc limit 1),
     moved as (
       insert into book_change_horizon (xid, id) select xid, id from top
       on conflict (only_row) do update set xid = excluded.xid, id = excluded.id
       where (excluded.xid, excluded.id) > (book_change_horizon.xid, book_change_horizon.id))
     select count(*)::int as deleted from gone`,
  );
}

export function pruneOperationalEvents(pool: Pool, ageMs: number, limit: number): Promise<number> {
  return count(
    pool,
    `with gone as (
       delete from operational_events where ctid = any(array(
         select ctid from operational_events where ${olderThan('occurred_at', ageMs)} ${limitTo(limit)}))
       returning 1)
     select count(*)::int as deleted from gone`,
  );
}

export interface BookKey {
  tenantId: string;
  bookUuid: string;
}

/**
 * Marks up to `limit` finished books older than the age as expired: their workflow has ended (ANALYTICS_COMPLETE) and
 * none of their deliveries is pending. From here on their routes answer 410; their rows are deleted next.
 */
export async function markExpiredBooks(pool: Pool, ageMs: number, limit: number): Promise<number> {
  const result = await pool.query(
    `update books set pruned_at = now(), pruning = true
     where (tenant_id, book_uuid) in (
       select b.tenant_id, b.book_uuid from books b
       where b.status = 'ANALYTICS_COMPLETE' and b.pruned_at is null and ${olderThan('b.analyzed_at', ageMs)}
         and not exists (select 1 from deliveries d
                         where d.tenant_id = b.tenant_id and d.book_uuid = b.book_uuid and d.status = 'PENDING')
       order by b.analyzed_at
       ${limitTo(limit)}
       for update skip locked)`,
  );
  return result.rowCount ?? 0;
}

/** Books marked expired whose rows are still being deleted (a run that stopped midway left them). */
export async function booksBeingPruned(pool: Pool, limit: number): Promise<BookKey[]> {
  const result = await pool.query<{ tenant_id: string; book_uuid: string }>(
    'select tenant_id, book_uuid from books where pruning limit $1::int',
    [limit],
  );
  return result.rows.map((row) => ({ tenantId: row.tenant_id, bookUuid: row.book_uuid }));
}

const BOOKS = 'unnest($1::text[], $2::uuid[]) as k(tenant_id, book_uuid)';
const ofBook = (table: string) => `${table} t on t.tenant_id = k.tenant_id and t.book_uuid = k.book_uuid`;

/**
 * The books' rows, table by table, children first (so no delete cascades into an unbounded number of rows). Deleting
 * events moves each tenant's feed horizon up to the last deleted position, in the same statement.
 */
const BOOK_DETAIL: Array<{ table: string; sql: string }> = [
  {
    table: 'delivery_attempts',
    sql: `delete from delivery_attempts where ctid = any(array(
            select a.ctid from ${BOOKS} join ${ofBook('deliveries')}
            join delivery_attempts a on a.tenant_id = t.tenant_id and a.event_id = t.event_id
                                    and a.endpoint_id = t.endpoint_id
            limit $3::int))`,
  },
  ...['deliveries', 'filter_skips', 'documents', 'verification_results', 'book_analytics'].map((table) => ({
    table,
    sql: `delete from ${table} where ctid = any(array(select t.ctid from ${BOOKS} join ${ofBook(table)} limit $3::int))`,
  })),
  {
    table: 'events',
    sql: `delete from events where ctid = any(array(select t.ctid from ${BOOKS} join ${ofBook('events')} limit $3::int))`,
  },
];

/** Deletes up to `limit` rows of the books' detail from the first table that still has some; 0 when none is left. */
export async function pruneBookDetail(pool: Pool, books: BookKey[], limit: number): Promise<number> {
  const params = [books.map((b) => b.tenantId), books.map((b) => b.bookUuid), limit];
  for (const { table, sql } of BOOK_DETAIL) {
    const deleted =
      table === 'events'
        ? await count(
            pool,
            `with gone as (${sql} returning tenant_id, xid, seq),
             top as (select distinct on (tenant_id) tenant_id, xid, seq from gone order by tenant_id, xid desc, seq desc),
             moved as (
               insert into event_feed_horizons (tenant_id, xid, seq) select tenant_id, xid, seq from top
               on conflict (tenant_id) do update set xid = excluded.xid, seq = excluded.seq
               where (excluded.xid, excluded.seq) > (event_feed_horizons.xid, event_feed_horizons.seq))
             select count(*)::int as deleted from gone`,
            params,
          )
        : await count(pool, `with gone as (${sql} returning 1) select count(*)::int as deleted from gone`, params);
    if (deleted > 0) return deleted;
  }
  return 0;
}

/** The books' detail is gone: they leave the list of books being pruned. */
export async function finishPruningBooks(pool: Pool, books: BookKey[]): Promise<void> {
  await pool.query(
    `update books b set pruning = false from ${BOOKS}
     where b.tenant_id = k.tenant_id and b.book_uuid = k.book_uuid`,
    [books.map((b) => b.tenantId), books.map((b) => b.bookUuid)],
  );
}
