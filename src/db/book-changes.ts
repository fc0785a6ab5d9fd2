import type { DocumentCounts } from '../contract/book.js';
import type { ChangeCursor } from '../stream/change-cursor.js';
import type { DeliveryRow } from './delivery-records.js';
import { DOCUMENT_COLUMNS, type DocumentRow } from './documents.js';
import type { EventRow } from './events.js';
import type { Pool } from './pool.js';
import { FINAL_HORIZON, inSnapshot } from './snapshot.js';

export type ChangeKind = 'document' | 'event' | 'delivery' | 'book.status' | 'analytics';

export interface BookChange {
  cursor: ChangeCursor;
  kind: ChangeKind;
  /** doc_uuid, event_id, "event_id.endpoint_id", or '' for the book itself. */
  key: string;
}

/** The channel the change triggers NOTIFY on, with "<tenant_id>/<book_uuid>" as payload. */
export const BOOK_CHANGES_CHANNEL = 'book_changes';

/**
 * Where a stream that starts now begins: every change of a transaction older than the oldest one still running is
 * final and already visible to a read made after this call.
 */
export async function changeHorizon(pool: Pool): Promise<ChangeCursor> {
  const result = await pool.query<{ horizon: string }>(`select ${FINAL_HORIZON}::text as horizon`);
  return { xid: BigInt((result.rows[0] as { horizon: string }).horizon), id: 0n };
}

/**
 * The book's final changes after `after`, in order, and whether later changes exist that are not final yet (their
 * transaction committed but an older one still runs, which may still add changes before them).
 */
export async function readBookChanges(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  after: ChangeCursor,
  limit: number,
): Promise<{ changes: BookChange[]; held: boolean; expired: boolean }> {
  const { rows, expired } = await inSnapshot(pool, async (client) => {
    // In the snapshot of the read: retention deletes rows and moves the horizon in one statement.
    const expired = await changeCursorExpired(client, after);
    const result = await client.query<{ xid: string; id: string; kind: ChangeKind; key: string; final: boolean }>(
      `select c.xid::text as xid, c.id::text as id, c.kind, c.key,
              c.xid < ${FINAL_HORIZON} as final
       from book_changes c
       where c.tenant_id = $1::text and c.book_uuid = $2::uuid and (c.xid, c.id) > ($3::text::xid8, $4::bigint)
       -- The table's columns, not the text output columns of the same names.
       order by c.xid, c.id
       limit $5::int`,
      [tenantId, bookUuid, after.xid.toString(), after.id.toString(), limit],
    );
    return { rows: result.rows, expired };
  });
  const final = rows.filter((row) => row.final);
  return {
    changes: final.map((row) => ({
      cursor: { xid: BigInt(row.xid), id: BigInt(row.id) },
      kind: row.kind,
      key: row.key,
    })),
    held: final.length < rows.length,
    expired,
  };
}

/**
 * Whether retention deleted change-log rows after this position (src/db/retention.ts keeps the last position it
 * deleted): a stream resuming from it would miss changes, so it starts again from the book's snapshot.
 */
export async function changeCursorExpired(client: Pick<Pool, 'query'>, cursor: ChangeCursor): Promise<boolean> {
  const result = await client.query<{ expired: boolean }>(
    `select exists (select 1 from book_change_horizon where (xid, id) > ($1::text::xid8, $2::bigint)) as expired`,
    [cursor.xid.toString(), cursor.id.toString()],
  );
  return result.rows[0]?.expired ?? false;
}

/** "event_id.endpoint_id" keys as two parallel arrays (an endpoint id is a uuid: the last dot separates them). */
function splitDeliveryKeys(keys: string[]): [string[], string[]] {
  const cut = keys.map((key) => key.lastIndexOf('.'));
  return [keys.map((key, i) => key.slice(0, cut[i])), keys.map((key, i) => key.slice((cut[i] as number) + 1))];
}

/** The current rows behind a set of changed keys of one book (rows deleted since are simply missing). */
export async function findChangedRows(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  keys: { documents: string[]; events: string[]; deliveries: string[] },
): Promise<{ documents: DocumentRow[]; events: EventRow[]; deliveries: DeliveryRow[] }> {
  const none = Promise.resolve({ rows: [] });
  const [documents, events, deliveries] = await Promise.all([
    keys.documents.length === 0
      ? none
      : pool.query<DocumentRow>(
          `select ${DOCUMENT_COLUMNS} from documents
           where tenant_id = $1::text and book_uuid = $2::uuid and doc_uuid = any($3::uuid[])`,
          [tenantId, bookUuid, keys.documents],
        ),
    keys.events.length === 0
      ? none
      : pool.query<EventRow>(
          `select event_id, event_type, doc_uuid, occurred_at, payload from events
           where tenant_id = $1::text and book_uuid = $2::uuid and event_id = any($3::text[])`,
          [tenantId, bookUuid, keys.events],
        ),
    keys.deliveries.length === 0
      ? none
      : pool.query<DeliveryRow>(
          `select d.event_id, d.endpoint_id, d.book_uuid, d.event_type, d.status, d.attempts, d.last_status_code,
                  d.last_error, d.created_at, d.finished_at, d.round_base, d.round_started_at, d.rate_waits
           from unnest($3::text[], $4::uuid[]) as k(event_id, endpoint_id)
           join deliveries d on d.tenant_id = $1::text and d.event_id = k.event_id and d.endpoint_id = k.endpoint_id
           where d.book_uuid = $2::uuid`,
          [tenantId, bookUuid, ...splitDeliveryKeys(keys.deliveries)],
        ),
  ]);
  return {
    documents: documents.rows as DocumentRow[],
    events: events.rows as EventRow[],
    deliveries: deliveries.rows as DeliveryRow[],
  };
}

/** The book's document counts as stored right now (the books row's counts follow the workflow's recorded batches). */
export async function countDocuments(pool: Pool, tenantId: string, bookUuid: string): Promise<DocumentCounts> {
  const result = await pool.query<DocumentCounts>(
    `select count(*)::int as total,
            count(*) filter (where status = 'VERIFYING')::int as verifying,
            count(*) filter (where status = 'VERIFICATION_COMPLETE')::int as verified,
            count(*) filter (where status = 'REJECTED')::int as rejected
     from documents where tenant_id = $1::text and book_uuid = $2::uuid`,
    [tenantId, bookUuid],
  );
  return result.rows[0] as DocumentCounts;
}
