import type { EndpointId, EventId } from '../contract/ids.js';
import { endpointOutsideIndex } from './delivery-keys.js';
import { prepared, type Pool } from './pool.js';

/**
 * Of `endpointIds`, those a batch of a book's events may be delivered to at once by the activity that recorded them
 * (src/delivery/deliver-directly.ts): the endpoint sends (active; an address confirmed), is healthy (no failure
 * streak) and fast (its last attempts answered within SLOW_ATTEMPT_MS), has no rate limit to wait for, and holds nothing else of this book open (PENDING or HELD: its delivery
 * workflow has them, and the causal order makes later events wait for them there).
 */
export async function directlyDeliverable(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  bookUuid: string,
  endpointIds: EndpointId[],
  batch: EventId[],
): Promise<Set<EndpointId>> {
  if (endpointIds.length === 0) return new Set();
  const result = await pool.query<{ id: EndpointId }>(
    prepared(`select e.id from endpoints e
     where e.tenant_id = $1::text and e.id = any($3::uuid[])
       and e.active and (e.email is null or e.confirmed_at is not null)
       and e.failing_since is null and e.slow_since is null and e.rate_limit is null
       and not exists (
         select from deliveries d
         where d.tenant_id = $1::text and d.book_uuid = $2::uuid and d.endpoint_id = e.id
           and d.status in ('PENDING', 'HELD') and d.event_id <> all($4::text[])
       )`),
    [tenantId, bookUuid, endpointIds, batch],
  );
  return new Set(result.rows.map((row) => row.id));
}

/**
 * The deliveries of `eventIds` to an endpoint still PENDING, each with the activity attempts its round has already
 * counted (attempts logged, and waits for the rate limit, as deliverEvent's `attemptsBefore` takes them): a retried
 * recording hands them to the delivery workflow numbered on from where the first try's attempts left off.
 */
export async function pendingWithAttempts(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  endpointId: EndpointId,
  eventIds: EventId[],
): Promise<Map<EventId, number>> {
  const result = await pool.query<{ event_id: EventId; made: number }>(
    `select event_id, attempts - round_base + rate_waits as made from deliveries
     where tenant_id = $1::text and event_id = any($3::text[]) and ${endpointOutsideIndex('endpoint_id', '$2')} and status = 'PENDING'`,
    [tenantId, endpointId, eventIds],
  );
  return new Map(result.rows.map((row) => [row.event_id, row.made]));
}
