// What a book's fan-out asks of endpoints: which are subscribed to its events, and the events their filters skipped.
import type { EventType } from '../contract/book.js';
import { BOOK_MAIL_EVENT } from '../digests/mail-mode.js';
import type { EndpointRow } from './endpoints.js';
import { prepared, type Pool, type PoolClient } from './pool.js';

/**
 * The tenant's endpoints subscribed to any of `types`, paused, disabled and unconfirmed ones too (their deliveries are
 * held), and, when `types` holds a book's last event, the endpoints mailing one summary per book (mail_mode book).
 */
export async function subscribedEndpoints(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  types: EventType[],
): Promise<SubscribedEndpoint[]> {
  const result = await pool.query<SubscribedEndpoint>(
    prepared(`select id, url, email, events, filter, mail_mode from endpoints
     where tenant_id = $1::text and (events && $2::text[] or (mail_mode = 'book' and $3::text = any($2::text[])))`),
    [tenantId, types, BOOK_MAIL_EVENT],
  );
  return result.rows;
}

export type SubscribedEndpoint = Pick<EndpointRow, 'id' | 'url' | 'email' | 'events' | 'filter' | 'mail_mode'>;

/**
 * Records the events a filter skipped for one endpoint and counts those not recorded before (a retried fan-out
 * counts nothing twice). Run it before the endpoint's deliveries are inserted in the same transaction: it takes the
 * endpoint's row lock first, where the insert's `for share` taken first would deadlock two concurrent fan-outs.
 */
export async function recordFilterSkips(
  client: Pick<PoolClient, 'query'>,
  tenantId: string,
  bookUuid: string,
  endpointId: string,
  eventIds: string[],
): Promise<number> {
  if (eventIds.length === 0) return 0;
  const result = await client.query<{ added: number }>(
    `with added as (
       insert into filter_skips (tenant_id, book_uuid, event_id, endpoint_id)
       select $1::text, $2::uuid, event_id, $3::uuid from unnest($4::text[]) as e(event_id)
       on conflict do nothing
       returning 1
     ), counted as (
       update endpoints set skipped_count = skipped_count + (select count(*) from added)
       where tenant_id = $1::text and id = $3::uuid and exists (select from added)
     )
     select count(*)::int as added from added`,
    [tenantId, bookUuid, endpointId, eventIds],
  );
  return result.rows[0]?.added ?? 0;
}
