import type { EventType } from '../contract/book.js';
import type { EndpointId, EventId } from '../contract/ids.js';
import type { ReopenedDelivery } from './reopened-deliveries.js';
import type { Pool, PoolClient } from './pool.js';

/** Reopened deliveries of one endpoint and book, waiting to be handed to their delivery workflow. */
export interface OutboxEntry {
  id: string;
  tenant_id: string;
  endpoint_id: EndpointId;
  book_uuid: string;
  events: Array<{ eventId: EventId; type: EventType }>;
  /** The endpoint, to label its delivery workflow. */
  url: string | null;
  email: string | null;
}

/**
 * Records, in the caller's transaction, that `reopened` must reach their delivery workflows: one entry per book, not
 * taken by a sweep before `graceMs` (the caller hands them over itself first).
 */
export async function addToOutbox(
  client: Pick<PoolClient, 'query'>,
  taskQueue: string,
  tenantId: string,
  endpointId: string,
  reopened: ReopenedDelivery[],
  graceMs: number,
): Promise<OutboxEntry[]> {
  const byBook = new Map<string, OutboxEntry['events']>();
  for (const row of reopened) {
    byBook.set(row.book_uuid, [...(byBook.get(row.book_uuid) ?? []), { eventId: row.event_id, type: row.event_type }]);
  }
  if (byBook.size === 0) return [];
  const result = await client.query<OutboxEntry>(
    `with added as (
       insert into delivery_outbox (task_queue, tenant_id, endpoint_id, book_uuid, events, available_at)
       select $6::text, $1::text, $2::uuid, book_uuid, events, now() + $5::bigint * interval '1 millisecond'
       from unnest($3::uuid[], $4::jsonb[]) as o(book_uuid, events)
       returning id::text, tenant_id, endpoint_id, book_uuid, events
     )
     select added.*, w.url, w.email from added
     join endpoints w on w.tenant_id = added.tenant_id and w.id = added.endpoint_id
     order by added.id`,
    [
      tenantId,
      endpointId,
      [...byBook.keys()],
      [...byBook.values()].map((events) => JSON.stringify(events)),
      graceMs,
      taskQueue,
    ],
  );
  return result.rows;
}

/**
 * Takes up to `limit` entries of `taskQueue` whose time has come, oldest first, and puts them out of other sweeps'
 * reach for `leaseMs`: an entry whose hand-over fails (Temporal away) is taken again after that.
 */
export async function claimOutbox(
  pool: Pool,
  taskQueue: string,
  limit: number,
  leaseMs: number,
): Promise<OutboxEntry[]> {
  const result = await pool.query<OutboxEntry>(
    `with claimed as (
       update delivery_outbox o set available_at = now() + $2::bigint * interval '1 millisecond'
       where o.id in (
         select id from delivery_outbox where task_queue = $3::text and available_at <= now()
         order by id limit $1::int for update skip locked
       )
       returning o.id, o.tenant_id, o.endpoint_id, o.book_uuid, o.events
     )
     select claimed.id::text, claimed.tenant_id, claimed.endpoint_id, claimed.book_uuid, claimed.events, w.url, w.email
     from claimed join endpoints w on w.tenant_id = claimed.tenant_id and w.id = claimed.endpoint_id
     order by claimed.id`,
    [limit, leaseMs, taskQueue],
  );
  return result.rows;
}

/** Forgets an entry once Temporal accepted its hand-over. */
export async function removeFromOutbox(pool: Pool, id: string): Promise<void> {
  await pool.query('delete from delivery_outbox where id = $1::bigint', [id]);
}
