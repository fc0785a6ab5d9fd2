import type { EventType } from '../contract/book.js';
import type { ChangeCursor } from '../stream/change-cursor.js';
import type { EventRow } from './events.js';
import type { Pool, PoolClient } from './pool.js';
import { FINAL_HORIZON, inSnapshot } from './snapshot.js';

type Queryable = Pick<PoolClient, 'query'>;

export interface FeedRow extends EventRow {
  book_uuid: string;
  cursor: ChangeCursor;
}

export interface FeedQuery {
  /** Events after this position; from the first event without it. */
  after?: ChangeCursor | undefined;
  type?: EventType | undefined;
  bookUuid?: string | undefined;
  limit: number;
}

/**
 * The tenant's final events after `after`, in (xid, seq) order, and whether later ones exist that are not final yet
 * (their transaction committed, but an older one still runs and may still add events before them). Only final events
 * are released, so a position once passed never has an event appear behind it: paging and resuming skip nothing and
 * repeat nothing.
 */
export async function readEventFeed(
  pool: Pool,
  tenantId: string,
  query: FeedQuery,
): Promise<{ events: FeedRow[]; held: boolean; expired: boolean }> {
  const after = query.after ?? { xid: 0n, id: 0n };
  const params: unknown[] = [tenantId, after.xid.toString(), after.id.toString(), query.limit];
  // Each filter an equality on its own index's second column (013).
  const filters = [
    query.type === undefined ? '' : `and e.event_type = $${params.push(query.type)}::text`,
    query.bookUuid === undefined ? '' : `and e.book_uuid = $${params.push(query.bookUuid)}::uuid`,
  ].join(' ');
  const { rows, expired } = await inSnapshot(pool, async (client) => {
    // In the snapshot of the read: retention deletes events and moves the horizon in one statement.
    const expired = query.after !== undefined && (await cursorBehindHorizon(client, tenantId, query.after));
    const result = await client.query<EventRow & { book_uuid: string; xid: string; seq: string; final: boolean }>(
      `select e.xid::text as xid, e.seq::text as seq, e.event_id, e.event_type, e.book_uuid, e.doc_uuid,
              e.occurred_at, e.payload, e.xid < ${FINAL_HORIZON} as final
       from events e
       where e.tenant_id = $1::text and (e.xid, e.seq) > ($2::text::xid8, $3::bigint) ${filters}
       -- The table's columns, not the text output columns of the same names.
       order by e.xid, e.seq
       limit $4::int`,
      params,
    );
    return { rows: result.rows, expired };
  });
  // Ordered by xid, the final rows come first.
  const final = rows.filter((row) => row.final);
  return {
    events: final.map(({ xid, seq, final: _final, ...event }) => ({
      ...event,
      cursor: { xid: BigInt(xid), id: BigInt(seq) },
    })),
    held: final.length < rows.length,
    expired,
  };
}

/**
 * Whether retention deleted events after this position (src/db/retention.ts moves the tenant's horizon to the last
 * one it deleted): resuming from it would skip them.
 */
async function cursorBehindHorizon(client: Queryable, tenantId: string, cursor: ChangeCursor): Promise<boolean> {
  const result = await client.query<{ expired: boolean }>(
    `select exists (select 1 from event_feed_horizons
                    where tenant_id = $1::text and (xid, seq) > ($2::text::xid8, $3::bigint)) as expired`,
    [tenantId, cursor.xid.toString(), cursor.id.toString()],
  );
  return result.rows[0]?.expired ?? false;
}

/** Whether a feed cursor is older than what retention kept (a stream checks before it opens). */
export function feedCursorExpired(pool: Pool, tenantId: string, cursor: ChangeCursor): Promise<boolean> {
  return cursorBehindHorizon(pool, tenantId, cursor);
}
