import type { EventType } from '../contract/book.js';
import type { DeliveryStatus } from '../contract/deliveries.js';
import type { EndpointId, EventId } from '../contract/ids.js';
import type { EventPayload } from '../events/payloads.js';
import { cursorTime } from './cursor-time.js';
import { safeText } from './safe-text.js';
import type { Pool, PoolClient } from './pool.js';

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
    `with w as (
       select id, active and (email is null or confirmed_at is not null) as sends
       from endpoints where tenant_id = $1::text and id = any($4::uuid[]) for share
     )
     insert into deliveries (tenant_id, event_id, endpoint_id, book_uuid, event_type, status)
     select $1::text, d.event_id, d.endpoint_id, $2::uuid, d.event_type,
            case when w.sends then 'PENDING' else 'HELD' end
     from unnest($3::text[], $4::uuid[], $5::text[]) as d(event_id, endpoint_id, event_type)
     join w on w.id = d.endpoint_id
     on conflict do nothing`,
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
    `select d.event_id, d.endpoint_id, d.book_uuid, d.event_type, d.status, d.attempts, d.last_status_code,
            d.last_error, d.created_at, d.finished_at, d.round_base, d.round_started_at, d.rate_waits,
            e.payload
     from deliveries d join events e using (tenant_id, event_id)
     where d.tenant_id = $1::text and d.endpoint_id = $2::uuid and d.event_id = any($3::text[])`,
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
     where tenant_id = $1::text and endpoint_id = $2::uuid and event_id = any($3::text[]) and status = 'PENDING'`,
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
    `with a as (
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
     where d.tenant_id = $1::text and d.endpoint_id = $2::uuid and d.event_id = a.event_id and d.status <> 'DELIVERED'`,
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

export interface AttemptRow {
  attempt: number;
  /** ISO-8601 text: attempts arrive through json_agg, which pg does not turn into Dates. */
  attempted_at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_snippet: string | null;
}

/** Deliveries (`d`) with their attempts in order, as `attempt_log`; callers add the where and order clauses. */
const DELIVERIES_WITH_ATTEMPTS = `
  select d.event_id, d.endpoint_id, d.book_uuid, d.event_type, d.status, d.attempts, d.last_status_code,
         d.last_error, d.created_at, d.finished_at, d.round_base, d.round_started_at, d.rate_waits,
         coalesce((select json_agg(a order by a.attempt) from (
           select attempt, attempted_at, status_code, duration_ms, error, response_snippet
           from delivery_attempts a
           where a.tenant_id = d.tenant_id and a.event_id = d.event_id and a.endpoint_id = d.endpoint_id) a),
           '[]'::json) as attempt_log,
         ${cursorTime('d.created_at')} as cursor_at
  from deliveries d`;

/** A delivery with its attempts and the key of its place in a list, newest first. */
export type ListedDelivery = DeliveryRow & { attempt_log: AttemptRow[]; cursor_at: string };

/** The position after which a newest-first page of deliveries continues: the last row's created_at and ids. */
export interface DeliveryPageAfter {
  createdAt: string;
  eventId: string;
  endpointId: string;
}

/**
 * An endpoint's deliveries, newest first, keyset-paginated on (created_at, event_id): unique for one endpoint, and
 * neither changes when a delivery is attempted or redelivered.
 */
export async function listEndpointDeliveries(
  pool: Pool,
  tenantId: string,
  endpointId: string,
  options: { status?: DeliveryRow['status'] | undefined; limit: number; after?: DeliveryPageAfter | undefined },
): Promise<ListedDelivery[]> {
  const result = await pool.query<ListedDelivery>(
    `${DELIVERIES_WITH_ATTEMPTS}
     where d.tenant_id = $1::text and d.endpoint_id = $2::uuid and ($3::text is null or d.status = $3::text)
       and ($5::timestamptz is null or (d.created_at, d.event_id) < ($5::timestamptz, $6::text))
     order by d.created_at desc, d.event_id desc
     limit $4::int`,
    [
      tenantId,
      endpointId,
      options.status ?? null,
      options.limit,
      options.after?.createdAt ?? null,
      options.after?.eventId ?? null,
    ],
  );
  return result.rows;
}

/** A book's deliveries to every endpoint, newest first, keyset-paginated on (created_at, event_id, endpoint_id). */
export async function listBookDeliveries(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  options: { status?: DeliveryRow['status'] | undefined; limit: number; after?: DeliveryPageAfter | undefined },
): Promise<ListedDelivery[]> {
  const result = await pool.query<ListedDelivery>(
    `${DELIVERIES_WITH_ATTEMPTS}
     where d.tenant_id = $1::text and d.book_uuid = $2::uuid and ($3::text is null or d.status = $3::text)
       and ($5::timestamptz is null
            or (d.created_at, d.event_id, d.endpoint_id) < ($5::timestamptz, $6::text, $7::uuid))
     order by d.created_at desc, d.event_id desc, d.endpoint_id desc
     limit $4::int`,
    [
      tenantId,
      bookUuid,
      options.status ?? null,
      options.limit,
      options.after?.createdAt ?? null,
      options.after?.eventId ?? null,
      options.after?.endpointId ?? null,
    ],
  );
  return result.rows;
}

/** The deliveries of these events (a page of a book's events), with their attempts. */
export async function listEventDeliveries(pool: Pool, tenantId: string, eventIds: string[]): Promise<ListedDelivery[]> {
  const result = await pool.query<ListedDelivery>(
    `${DELIVERIES_WITH_ATTEMPTS}
     where d.tenant_id = $1::text and d.event_id = any($2::text[])
     order by d.created_at, d.event_id, d.endpoint_id`,
    [tenantId, eventIds],
  );
  return result.rows;
}

/** A page of one delivery's attempts, oldest first; `afterAttempt` is the last number of the page before. */
export async function listAttemptPage(
  pool: Pool,
  key: { tenantId: string; eventId: string; endpointId: string },
  page: { limit: number; afterAttempt?: number | undefined },
): Promise<AttemptRow[]> {
  const result = await pool.query<AttemptRow>(
    `select attempt, to_json(attempted_at) #>> '{}' as attempted_at, status_code, duration_ms, error, response_snippet
     from delivery_attempts
     where tenant_id = $1::text and event_id = $2::text and endpoint_id = $3::uuid
       and ($4::int is null or attempt > $4::int)
     order by attempt
     limit $5::int`,
    [key.tenantId, key.eventId, key.endpointId, page.afterAttempt ?? null, page.limit],
  );
  return result.rows;
}

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
