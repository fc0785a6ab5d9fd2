// A delivery's row and what the pipeline records on it: its creation, attempts, rate waits, hold and end.
import type { EventType } from '../contract/book.js';
import type { DeliveryStatus } from '../contract/deliveries.js';
import type { EndpointId, EventId } from '../contract/ids.js';
import type { EventPayload } from '../events/payloads.js';
import { safeText } from './safe-text.js';
import { endpointOutsideIndex } from './delivery-keys.js';
import { prepared, type Pool, type PoolClient } from './pool.js';

const MAX_ERROR_CHARS = 1000;
/** The sender reads at most 2 KiB of a body; decoded, that is at most this many UTF-16 units. */
const RESPONSE_SNIPPET_CHARS = 2048;

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

/**
 * Creates deliveries whose first attempt was made before their row existed (by the recording of their events:
 * src/delivery/deliver-directly.ts), each with that attempt's outcome and log, or with none (not attempted) — one
 * statement for one endpoint. Unfinished ones are PENDING while the endpoint sends, HELD if it was paused, disabled or
 * deleted meanwhile (read `for share`, as insertDeliveries does: a resume either comes after and releases them, or
 * before and they are PENDING). A delivery that exists already is left as it is, its attempt not logged. Returns
 * whether the endpoint still sends (false: gone or off; its later deliveries are not attempted here).
 */
export async function insertAttemptedDeliveries(
  pool: Pick<Pool, 'query'>,
  target: { tenantId: string; endpointId: string; bookUuid: string },
  deliveries: Array<{
    eventId: string;
    eventType: EventType;
    attempt?: LoggedAttempt | undefined;
    finish?: 'DELIVERED' | 'FAILED' | undefined;
  }>,
): Promise<boolean> {
  const result = await pool.query<{ sends: boolean | null }>(
    prepared(`with w as (
       select active and (email is null or confirmed_at is not null) as sends
       from endpoints where tenant_id = $1::text and id = $2::uuid for share
     ), a as (
       select * from unnest($4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::text[], $10::text[], $11::text[])
         as a(event_id, event_type, attempt, status_code, duration_ms, error, response_snippet, finish)
     ), created as (
       insert into deliveries (tenant_id, event_id, endpoint_id, book_uuid, event_type, status, attempts,
                               last_status_code, last_error, finished_at)
       select $1::text, a.event_id, $2::uuid, $3::uuid, a.event_type,
              coalesce(a.finish, case when w.sends then 'PENDING' else 'HELD' end), coalesce(a.attempt, 0),
              a.status_code, a.error, case when a.finish is null then null else now() end
       from a, w
       on conflict do nothing
       returning event_id
     ), logged as (
       insert into delivery_attempts
         (tenant_id, event_id, endpoint_id, attempt, status_code, duration_ms, error, response_snippet)
       select $1::text, a.event_id, $2::uuid, a.attempt, a.status_code, a.duration_ms, a.error, a.response_snippet
       from a join created using (event_id)
       where a.attempt is not null
     )
     select (select sends from w) as sends`),
    [
      target.tenantId,
      target.endpointId,
      target.bookUuid,
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.eventType),
      deliveries.map((d) => d.attempt?.number ?? null),
      deliveries.map((d) => d.attempt?.statusCode ?? null),
      deliveries.map((d) => d.attempt?.durationMs ?? null),
      deliveries.map((d) => safeText(d.attempt?.error, MAX_ERROR_CHARS) ?? null),
      deliveries.map((d) => safeText(d.attempt?.responseSnippet, RESPONSE_SNIPPET_CHARS) ?? null),
      deliveries.map((d) => d.finish ?? null),
    ],
  );
  return result.rows[0]?.sends === true;
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
