import type { EventType } from '../contract/book.js';
import type { ChangeCursor } from '../stream/change-cursor.js';
import type { EventRow } from './events.js';
import type { Pool } from './pool.js';
import { inSnapshot } from './snapshot.js';

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
): Promise<{ events: FeedRow[]; held: boolean }> {
  const after = query.after ?? { xid: 0n, id: 0n };
  const params: unknown[] = [tenantId, after.xid.toString(), after.id.toString(), query.limit];
  // Each filter an equality on its own index's second column (013).
  const filters = [
    query.type === undefined ? '' : `and e.event_type = $${params.push(query.type)}::text`,
    query.bookUuid === undefined ? '' : `and e.book_uuid = $${params.push(query.bookUuid)}::uuid`,
  ].join(' ');
  const rows = await inSnapshot(pool, async (client) => {
    const result = await client.query<EventRow & { book_uuid: string; xid: string; seq: string; final: boolean }>(
      `select e.xid::text as xid, e.seq::text as seq, e.event_id, e.event_type, e.book_uuid, e.doc_uuid,
              e.occurred_at, e.payload, e.xid < pg_snapshot_xmin(pg_current_snapshot()) as final
       from events e
       where e.tenant_id = $1::text and (e.xid, e.seq) > ($2::text::xid8, $3::bigint) ${filters}
       -- The table's columns, not the text output columns of the same names.
       order by e.xid, e.seq
       limit $4::int`,
      params,
    );
    return result.rows;
  });
  // Ordered by xid, the final rows come first.
  const final = rows.filter((row) => row.final);
  return {
    events: final.map(({ xid, seq, final: _final, ...event }) => ({
      ...event,
      cursor: { xid: BigInt(xid), id: BigInt(seq) },
    })),
    held: final.length < rows.length,
  };
}
