// A delivery's row and what the pipeline records on it: its creation, attempts, rate waits, hold and end.
import type { EventType } from '../contract/book.js';
import type { DeliveryStatus } from '../contract/deliveries.js';
import type { EndpointId, EventId } from '../contract/ids.js';
import type { EventPayload } from '../events/payloads.js';
import { safeText } from './safe-text.js';
import { endpointOutsideIndex } from './delivery-keys.js';
import { prepared, type Pool, type PoolClient } from './pool.js';

export interface DeliveryRow {
  event_id: EventId;
  endpoint_id: EndpointId;
  book_uuid: string;
  event_type: EventType;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
  /** Attempts made in earlier rounds (before the last redelivery). */
  round_base: number;
  round_started_at: Date;
  /** Activity attempts of this round that waited for the endpoint's rate limit instead of sending. */
  rate_waits: number;
}

/**
 * One delivery per (event, endpoint); creating it again changes nothing. A delivery to a paused or disabled endpoint
 * (or an unconfirmed e-mail address) is created HELD. The endpoint's row is read `for share`: a resume or confirmation
 * (which releases HELD deliveries in the transaction that turns the endpoint on) either comes after and releases this
 * one, or before and this one is PENDING.
 */
export async function insertDeliveries(
  client: Pick<PoolClient, 'query'>,
  tenantId: string,
  bookUuid: string,
  rows: Array<{ eventId: string; eventType: EventType; endpointId: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    prepared(`with w as (
       select id, active and (email is null or confirmed_at is not null) as sends
       from endpoints where tenant_id = $1::text and id = any($4::uuid[]) for share
     )
     insert into deliveries (tenant_id, event_id, endpoint_id, book_uuid, event_type, status)
     select $1::text, d.event_id, d.endpoint_id, $2::uuid, d.event_type,
            case when w.sends then 'PENDING' else 'HELD' end
     from unnest($3::text[], $4::uuid[], $5::text[]) as d(event_id, endpoint_id, event_type)
     join w on w.id = d.endpoint_id
     on conflict do nothing`),
    [tenantId, bookUuid, rows.map((r) => r.eventId), rows.map((r) => r.endpointId), rows.map((r) => r.eventType)],
  );
}

/** The delivery with the body to send. */
export async function findDelivery(
  pool: Pool,
  tenantId: string,
  eventId: string,
  endpointId: string,
): Promise<(DeliveryRow & { payload: EventPayload }) | undefined> {
  return (await findDeliveries(pool, tenantId, endpointId, [eventId]))[0];
}

/** Several deliveries of one endpoint with their bodies (one query for a batch); missing ones are left out. */
export async function findDeliveries(
  pool: Pool,
  tenantId: string,
  endpointId: string,
  eventIds: string[],
): Promise<Array<DeliveryRow & { payload: EventPayload }>> {
  const result = await pool.query<DeliveryRow & { payload: EventPayload }>(
    prepared(`select d.event_id, d.endpoint_id, d.book_uuid, d.event_type, d.status, d.attempts, d.last_status_code,
            d.last_error, d.created_at, d.finished_at, d.round_base, d.round_started_at, d.rate_waits,
            e.payload
     from deliveries d join events e using (tenant_id, event_id)
     where d.tenant_id = $1::text and d.event_id = any($3::text[]) and ${endpointOutsideIndex('d.endpoint_id', '$2')}`),
    [tenantId, endpointId, eventIds],
  );
  return result.rows;
}

/**
 * Counts an activity attempt at each of these pending deliveries that waited for the endpoint's rate limit instead of
 * sending: it is no delivery attempt, so the next real one keeps its number and its place on the retry schedule.
 */
export async function recordRateWaits(pool: Pool, tenantId: string, endpointId: string, eventIds: string[]) {
  if (eventIds.length === 0) return;
  await pool.query(
    `update deliveries set rate_waits = rate_waits + 1
     where tenant_id = $1::text and event_id = any($3::text[]) and ${endpointOutsideIndex('endpoint_id', '$2')} and status = 'PENDING'`,
    [tenantId, endpointId, eventIds],
  );
}

const MAX_ERROR_CHARS = 1000;
/** The sender reads at most 2 KiB of a body; decoded, that is at most this many UTF-16 units. */
const RESPONSE_SNIPPET_CHARS = 2048;

export interface LoggedAttempt {
  number: number;
  statusCode?: number | undefined;
  durationMs: number;
  error?: string | undefined;
  responseSnippet?: string | undefined;
}

/** Logs one attempt (once: a repeated log of the same attempt number is dropped) and the delivery's latest state. */
export async function recordAttempt(
  pool: Pool,
  key: { tenantId: string; eventId: string; endpointId: string },
  attempt: LoggedAttempt,
  finish?: 'DELIVERED' | 'FAILED',
): Promise<void> {
  await recordAttempts(pool, key.tenantId, key.endpointId, [
    { eventId: key.eventId, attempt, ...(finish ? { finish } : {}) },
  ]);
}

/** `recordAttempt` for several deliveries of one endpoint in one statement (a batch's attempts); the one statement both use. */
export async function recordAttempts(
  pool: Pool,
  tenantId: string,
  endpointId: string,
  attempts: Array<{ eventId: string; attempt: LoggedAttempt; finish?: 'DELIVERED' | 'FAILED' }>,
): Promise<void> {
  if (attempts.length === 0) return;
  await pool.query(
    prepared(`with a as (
       select * from unnest($3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[])
         as a(event_id, attempt, status_code, duration_ms, error, response_snippet, finish)
     ), logged as (
       insert into delivery_attempts
         (tenant_id, event_id, endpoint_id, attempt, status_code, duration_ms, error, response_snippet)
       select $1::text, event_id, $2::uuid, attempt, status_code, duration_ms, error, response_snippet from a
       on conflict do nothing
     )
     update deliveries d set attempts = greatest(d.attempts, a.attempt), last_status_code = a.status_code,
       last_error = a.error, status = coalesce(a.finish, d.status),
       finished_at = case when a.finish is null then null else now() end
     from a
     -- A late or repeated attempt never reopens or fails a delivery already DELIVERED (a redelivery resets it first).
     where d.tenant_id = $1::text and d.event_id = any($3::text[]) and ${endpointOutsideIndex('d.endpoint_id', '$2')}
       and d.event_id = a.event_id and d.status <> 'DELIVERED'`),
    [
      tenantId,
      endpointId,
      attempts.map((a) => a.eventId),
      attempts.map((a) => a.attempt.number),
      attempts.map((a) => a.attempt.statusCode ?? null),
      attempts.map((a) => a.attempt.durationMs),
      attempts.map((a) => safeText(a.attempt.error, MAX_ERROR_CHARS) ?? null),
      attempts.map((a) => safeText(a.attempt.responseSnippet, RESPONSE_SNIPPET_CHARS) ?? null),
      attempts.map((a) => a.finish ?? null),
    ],
  );
}

/** Ends a delivery without an attempt (its endpoint was deleted or disabled). */
export async function finishDelivery(
  pool: Pool,
  key: { tenantId: string; eventId: string; endpointId: string },
  status: 'DELIVERED' | 'FAILED',
  error: string,
): Promise<void> {
  await pool.query(
    `update deliveries set status = $4::text, last_error = $5::text, finished_at = now()
     where tenant_id = $1::text and event_id = $2::text and endpoint_id = $3::uuid and status = 'PENDING'`,
    [key.tenantId, key.eventId, key.endpointId, status, safeText(error, MAX_ERROR_CHARS)],
  );
}

/**
 * Holds a PENDING delivery whose endpoint is paused, disabled or unconfirmed; true if it is HELD now. The endpoint's row is read
 * `for share`, so a resume committing meanwhile is seen: the delivery then stays PENDING (and false is returned).
 */
export async function holdDelivery(
  pool: Pool,
  key: { tenantId: string; eventId: string; endpointId: string },
): Promise<boolean> {
  const result = await pool.query<{ status: string }>(
    `with off as (
       select 1 from endpoints
       where tenant_id = $1::text and id = $3::uuid and not (active and (email is null or confirmed_at is not null))
       for share
     ), held as (
       update deliveries set status = 'HELD'
       where tenant_id = $1::text and event_id = $2::text and endpoint_id = $3::uuid and status = 'PENDING'
         and exists (select from off)
       returning status
     )
     select status from held
     union all
     select status from deliveries
     where tenant_id = $1::text and event_id = $2::text and endpoint_id = $3::uuid and not exists (select from held)`,
    [key.tenantId, key.eventId, key.endpointId],
  );
  return result.rows[0]?.status === 'HELD';
}
