import type { EventType, Metadata } from '../contract/book.js';
import type { FilterSubject } from '../events/filter.js';
import type { EventId } from '../contract/ids.js';
import type { EventPayload } from '../events/payloads.js';
import { inIndexOrder, prepared, type Pool, type PoolClient } from './pool.js';

export interface EventRow {
  event_id: string;
  event_type: EventType;
  doc_uuid: string | null;
  occurred_at: Date;
  payload: EventPayload;
}

/**
 * Stores events once, in their order, in one statement: a retried activity inserts nothing new. Returns the events this
 * call inserted, each with its body as stored (as a delivery reads and sends it: jsonb orders the keys).
 */
export async function insertEvents(
  client: PoolClient,
  tenantId: string,
  bookUuid: string,
  payloads: EventPayload[],
): Promise<Map<EventId, EventPayload>> {
  if (payloads.length === 0) return new Map();
  const result = await client.query<{ event_id: EventId; payload: EventPayload }>(
    prepared(`insert into events (tenant_id, event_id, book_uuid, event_type, doc_uuid, occurred_at, payload)
     select $1::text, e.payload->>'event_id', $2::uuid, e.payload->>'event_name', (e.payload->>'doc_uuid')::uuid,
            (e.payload->>'occurred_at')::timestamptz, e.payload
     from unnest($3::jsonb[]) with ordinality as e(payload, n)
     order by e.n
     on conflict (tenant_id, event_id) do nothing
     returning event_id, payload`),
    [tenantId, bookUuid, payloads.map((payload) => JSON.stringify(payload))],
  );
  return new Map(result.rows.map((row) => [row.event_id, row.payload]));
}

/** Stored bodies by event id (as a delivery sends them); missing ones are left out. */
export async function findEventPayloads(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  eventIds: EventId[],
): Promise<Map<EventId, EventPayload>> {
  if (eventIds.length === 0) return new Map();
  const result = await pool.query<{ event_id: EventId; payload: EventPayload }>(
    prepared(`select event_id, payload from events where tenant_id = $1::text and event_id = any($2::text[])`),
    [tenantId, eventIds],
  );
  return new Map(result.rows.map((row) => [row.event_id, row.payload]));
}

/** A page of a book's events in the order they were recorded; `afterSeq` is the last row's of the page before. */
export async function listBookEventPage(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  page: { limit: number; afterSeq?: string | undefined },
): Promise<Array<EventRow & { cursor_seq: string }>> {
  // In the index's order whatever the statistics guess (see inIndexOrder).
  const result = await inIndexOrder(pool, (client) =>
    client.query<EventRow & { cursor_seq: string }>(
      `select event_id, event_type, doc_uuid, occurred_at, payload, seq::text as cursor_seq from events
       where tenant_id = $1::text and book_uuid = $2::uuid and ($3::bigint is null or seq > $3::bigint)
       order by seq
       limit $4::int`,
      [tenantId, bookUuid, page.afterSeq ?? null, page.limit],
    ),
  );
  return result.rows;
}

/**
 * What endpoint filters see of a book's events (src/events/filter.ts): each stored body, the book's metadata and, for
 * a document's event, the document as uploaded. Events not stored are left out.
 */
export async function loadFilterSubjects(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  bookUuid: string,
  eventIds: string[],
): Promise<Map<string, FilterSubject>> {
  const result = await pool.query<{
    event_id: string;
    payload: EventPayload;
    metadata: Metadata;
    doc_name: string | null;
    mime_type: string | null;
    uploaded: boolean;
  }>(
    `select e.event_id, e.payload, b.metadata, d.name as doc_name, d.mime_type, d.doc_uuid is not null as uploaded
     from events e
     join books b on b.tenant_id = e.tenant_id and b.book_uuid = e.book_uuid
     left join documents d on d.tenant_id = e.tenant_id and d.book_uuid = e.book_uuid and d.doc_uuid = e.doc_uuid
     where e.tenant_id = $1::text and e.book_uuid = $2::uuid and e.event_id = any($3::text[])`,
    [tenantId, bookUuid, eventIds],
  );
  return new Map(
    result.rows.map((row) => [
      row.event_id,
      {
        payload: row.payload,
        metadata: row.metadata,
        document: row.uploaded ? { name: row.doc_name, mime_type: row.mime_type } : undefined,
      },
    ]),
  );
}
