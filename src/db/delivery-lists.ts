// Deliveries with their attempts as the API lists them: an endpoint's, a book's, an event page's, and one's attempts.
import { cursorTime } from './cursor-time.js';
import type { DeliveryRow } from './delivery-records.js';
import type { Pool } from './pool.js';

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
