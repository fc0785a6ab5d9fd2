// Deliveries a redelivery, recovery or resume reopens for a new round.
import type { EventType } from '../contract/book.js';
import type { EventId } from '../contract/ids.js';
import type { PoolClient } from './pool.js';

/** A delivery a redelivery, recovery or resume reopened. */
export interface ReopenedDelivery {
  event_id: EventId;
  event_type: EventType;
  book_uuid: string;
}

/**
 * Starts a new round for deliveries (a redelivery): back to PENDING, attempt numbers continuing, the retry window
 * counted from now. `eventId`: that one, unless it is PENDING; `failedSince`: those that failed since then, and every
 * HELD one (a recovery); `held`: the HELD ones (a resume). Returns the deliveries reopened, in the order their books
 * emitted them.
 */
export async function reopenDeliveries(
  client: Pick<PoolClient, 'query'>,
  tenantId: string,
  filter: { endpointId: string } & ({ eventId: string } | { failedSince: string } | { held: true }),
): Promise<ReopenedDelivery[]> {
  const eventId = 'eventId' in filter ? filter.eventId : null;
  const failedSince = 'failedSince' in filter ? filter.failedSince : null;
  const result = await client.query<ReopenedDelivery>(
    `with reopened as (
       update deliveries set status = 'PENDING', finished_at = null, round_base = attempts, round_started_at = now(),
         rate_waits = 0
       where tenant_id = $1::text and endpoint_id = $2::uuid and status <> 'PENDING'
         -- A book retention is emptying keeps nothing to deliver (its deliveries are being deleted).
         and not exists (select 1 from books b where b.tenant_id = deliveries.tenant_id
                          and b.book_uuid = deliveries.book_uuid and b.pruned_at is not null)
         and ($3::text is null or event_id = $3::text)
         and ($3::text is not null or status = 'HELD'
              or (status = 'FAILED' and finished_at >= $4::timestamptz))
       returning event_id, event_type, book_uuid, created_at
     )
     select event_id, event_type, book_uuid from reopened order by created_at, event_id`,
    [tenantId, filter.endpointId, eventId, failedSince],
  );
  return result.rows;
}
