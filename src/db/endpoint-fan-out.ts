// What a book's fan-out asks of endpoints: which are subscribed to its events, and the events their filters skipped.
import type { EventType } from '../contract/book.js';
import { BOOK_MAIL_EVENT } from '../digests/mail-mode.js';
import type { EventId } from '../contract/ids.js';
import { ENDPOINT_COLUMNS, type EndpointRow } from './endpoints.js';
import { SECRET_COLUMNS, type StoredSecretColumns } from './endpoint-secrets.js';
import { prepared, type Pool, type PoolClient } from './pool.js';

/**
 * The tenant's endpoints subscribed to any of `types`, paused, disabled and unconfirmed ones too (their deliveries are
 * held), and, when `types` holds a book's last event, the endpoints mailing one summary per book (mail_mode book); each
 * with its secrets as stored (opened only where an attempt is made: openEndpointSecrets).
 *
 * With `direct` (a batch of a book's events whose recording may make their first attempts), each also says whether it
 * may (src/delivery/deliver-directly.ts): the endpoint sends (active; an address confirmed), is healthy (no failure
 * streak) and fast (its last attempts answered within SLOW_ATTEMPT_MS), has no rate limit to wait for, and holds nothing
 * else of this book open (PENDING or HELD: its delivery workflow has them, and the causal order makes later events wait
 * for them there).
 */
export async function subscribedEndpoints(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  types: EventType[],
  direct?: { bookUuid: string; batch: EventId[] },
): Promise<SubscribedEndpoint[]> {
  const result = await pool.query<SubscribedEndpoint>(
    prepared(`select ${ENDPOINT_COLUMNS}, ${SECRET_COLUMNS},
       $4::boolean and e.active and (e.email is null or e.confirmed_at is not null)
         and e.failing_since is null and e.slow_since is null and e.rate_limit is null
         and not exists (
           select from deliveries d
           where d.tenant_id = $1::text and d.book_uuid = $5::uuid and d.endpoint_id = e.id
             and d.status in ('PENDING', 'HELD') and d.event_id <> all($6::text[])
         ) as direct
     from endpoints e
     where e.tenant_id = $1::text and (e.events && $2::text[] or (e.mail_mode = 'book' and $3::text = any($2::text[])))`),
    [tenantId, types, BOOK_MAIL_EVENT, direct !== undefined, direct?.bookUuid ?? null, direct?.batch ?? []],
  );
  return result.rows;
}

/** A subscribed endpoint, its secrets as stored, and whether a recording may make the first attempts itself. */
export type SubscribedEndpoint = EndpointRow & StoredSecretColumns & { direct: boolean };

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
