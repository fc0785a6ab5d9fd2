import type { EventType } from '../contract/book.js';
import type { EventPayload } from '../events/payloads.js';
import type { Pool, PoolClient } from './pool.js';

export interface EventRow {
  event_id: string;
  event_type: EventType;
  doc_uuid: string | null;
  occurred_at: Date;
  payload: EventPayload;
}

/** Stores an event once: a retried activity inserts nothing new. Returns whether this call inserted it. */
export async function insertEvent(
  client: PoolClient,
  tenantId: string,
  bookUuid: string,
  payload: EventPayload,
): Promise<boolean> {
  const result = await client.query(
    `insert into events (tenant_id, event_id, book_uuid, event_type, doc_uuid, occurred_at, payload)
     values ($1::text, $2::text, $3::uuid, $4::text, $5::uuid, $6::timestamptz, $7::jsonb)
     on conflict (tenant_id, event_id) do nothing`,
    [tenantId, payload.event_id, bookUuid, payload.event_name, payload.doc_uuid ?? null, payload.occurred_at, payload],
  );
  return (result.rowCount ?? 0) > 0;
}

/** A page of a book's events in the order they were recorded; `afterSeq` is the last row's of the page before. */
export async function listBookEventPage(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  page: { limit: number; afterSeq?: string | undefined },
): Promise<Array<EventRow & { cursor_seq: string }>> {
  const result = await pool.query<EventRow & { cursor_seq: string }>(
    `select event_id, event_type, doc_uuid, occurred_at, payload, seq::text as cursor_seq from events
     where tenant_id = $1::text and book_uuid = $2::uuid and ($3::bigint is null or seq > $3::bigint)
     order by seq
     limit $4::int`,
    [tenantId, bookUuid, page.afterSeq ?? null, page.limit],
  );
  return result.rows;
}
