// An endpoint's failure streak and its disabling, who hears of it, and the operational events it leaves.
import { cursorTime } from './cursor-time.js';
import type { TimeIdAfter } from './endpoints.js';
import { prepared, type Pool } from './pool.js';

/**
 * Turns an endpoint off (410 Gone, or failing too long) and records an `endpoint.disabled` operational event, once:
 * returns the event's payload when this call disabled it, undefined when it was off already.
 */
export async function markEndpointDisabled(
  pool: Pool,
  tenantId: string,
  id: string,
  reason: string,
): Promise<Record<string, unknown> | undefined> {
  const result = await pool.query<{ payload: Record<string, unknown> }>(
    `with disabled as (
       update endpoints set active = false, disabled_reason = $3::text, updated_at = now()
       where tenant_id = $1::text and id = $2::uuid and active
       returning id, url, email
     )
     insert into operational_events (tenant_id, id, event_type, endpoint_id, payload)
     select $1::text, gen_random_uuid(), 'endpoint.disabled', id,
            jsonb_build_object('event_name', 'endpoint.disabled', 'endpoint_id', id, 'url', url, 'email', email,
                               'reason', $3::text, 'occurred_at', now())
     from disabled
     returning payload`,
    [tenantId, id, reason],
  );
  return result.rows[0]?.payload;
}

/** How an endpoint's attempts went: whether any got through, and whether any was slow (SLOW_ATTEMPT_MS). */
export interface AttemptHealth {
  succeeded: boolean;
  slow: boolean;
}

/**
 * Tracks an endpoint's failure streak (a success ends it; a failure starts it, or keeps it) and whether it answers
 * slowly (the last attempts' `slow` starts or ends it). Returns since when the endpoint has been failing without a
 * break, or null.
 */
export async function recordEndpointHealth(
  pool: Pool,
  tenantId: string,
  id: string,
  { succeeded, slow }: AttemptHealth,
): Promise<Date | null> {
  // Writes only when the streak or the slowness starts or ends: every delivery to a healthy endpoint would otherwise
  // rewrite (and lock) the same row, which serialises a burst of deliveries to one endpoint.
  const result = await pool.query<{ failing_since: Date | null }>(
    prepared(`with changed as (
       update endpoints
       set failing_since = case when $3::boolean then null else coalesce(failing_since, now()) end,
           slow_since = case when $4::boolean then coalesce(slow_since, now()) end
       where tenant_id = $1::text and id = $2::uuid
         and ((failing_since is null) <> $3::boolean or (slow_since is null) = $4::boolean)
       returning failing_since
     )
     select failing_since from changed
     union all
     select failing_since from endpoints
     where tenant_id = $1::text and id = $2::uuid and not exists (select from changed)`),
    [tenantId, id, succeeded, slow],
  );
  return result.rows[0]?.failing_since ?? null;
}

/** The tenant's active, confirmed e-mail endpoints subscribed to operational events of `type`. */
export async function operationalSubscribers(pool: Pool, tenantId: string, type: string): Promise<string[]> {
  const result = await pool.query<{ email: string }>(
    `select email from endpoints
     where tenant_id = $1::text and active and email is not null and confirmed_at is not null and $2::text = any(events)`,
    [tenantId, type],
  );
  return result.rows.map((row) => row.email);
}

export interface OperationalEventRow {
  id: string;
  event_type: string;
  endpoint_id: string | null;
  occurred_at: Date;
  payload: unknown;
  cursor_at: string;
}

/** A tenant's operational events, newest first, keyset-paginated on (occurred_at, id). */
export async function listOperationalEvents(
  pool: Pool,
  tenantId: string,
  page: { limit: number; after?: TimeIdAfter | undefined },
): Promise<OperationalEventRow[]> {
  const result = await pool.query<OperationalEventRow>(
    `select id, event_type, endpoint_id, occurred_at, payload, ${cursorTime('occurred_at')} as cursor_at
     from operational_events
     where tenant_id = $1::text and ($2::timestamptz is null or (occurred_at, id) < ($2::timestamptz, $3::uuid))
     order by occurred_at desc, id desc
     limit $4::int`,
    [tenantId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
  );
  return result.rows;
}
