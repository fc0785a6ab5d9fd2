import type { EventType } from '../contract/book.js';
import type { EndpointId } from '../contract/ids.js';
import type { SubscribableEvent } from '../contract/endpoint-settings.js';
import type { EventPayload } from '../events/payloads.js';
import { cursorTime } from './cursor-time.js';
import type { AttemptRow } from './delivery-lists.js';
import type { LoggedAttempt } from './delivery-records.js';
import type { Pool } from './pool.js';
import { safeText } from './safe-text.js';
import { FINAL_HORIZON } from './snapshot.js';

/** A daily endpoint that sends (on, and its address confirmed): the digest run looks whether its hour has come. */
export interface DailyEndpoint {
  tenant_id: string;
  id: EndpointId;
  events: SubscribableEvent[];
  digest_hour: number;
  digest_time_zone: string;
}

export async function sendingDailyEndpoints(pool: Pool): Promise<DailyEndpoint[]> {
  const result = await pool.query<DailyEndpoint>(
    `select tenant_id, id, events, digest_hour, digest_time_zone from endpoints
     where mail_mode = 'daily' and active and email is not null and confirmed_at is not null`,
  );
  return result.rows;
}

export type DigestStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface DigestRow {
  tenant_id: string;
  id: string;
  endpoint_id: EndpointId;
  /** yyyy-mm-dd in the endpoint's zone. */
  local_day: string;
  event_count: number;
  status: DigestStatus;
  attempts: number;
  created_at: Date;
}

const DIGEST_COLUMNS = `tenant_id, id, endpoint_id, to_char(local_day, 'YYYY-MM-DD') as local_day, event_count, status,
  attempts, created_at`;

/**
 * Records the endpoint's digest `id` for `localDay`, once: its window runs from the end of the endpoint's last
 * delivered digest (or from when it became daily) to the last final event of the tenant it subscribes to, in the
 * event feed's (xid, seq) order — only final events, so none can later appear inside a window already passed. Nothing
 * is recorded when the window holds no event. Returns the digest, new or recorded before, if there is one.
 */
export async function planDigest(
  pool: Pool,
  endpoint: Pick<DailyEndpoint, 'tenant_id' | 'id' | 'events'>,
  id: string,
  localDay: string,
): Promise<DigestRow | undefined> {
  const result = await pool.query<DigestRow>(
    `with last as (
       select until_xid as xid, until_seq as seq from digests
       where tenant_id = $1::text and endpoint_id = $2::uuid and status = 'DELIVERED'
       order by until_xid desc, until_seq desc limit 1
     ), after as (
       select coalesce((select xid from last), e.digest_from_xid) as xid, coalesce((select seq from last), 0) as seq
       from endpoints e where e.tenant_id = $1::text and e.id = $2::uuid and e.mail_mode = 'daily'
     ), span as (
       select ev.xid, ev.seq from events ev, after a
       where ev.tenant_id = $1::text and (ev.xid, ev.seq) > (a.xid, a.seq) and ev.xid < ${FINAL_HORIZON}
         and ev.event_type = any($5::text[])
     ), inserted as (
       insert into digests (tenant_id, id, endpoint_id, local_day, after_xid, after_seq, until_xid, until_seq,
                            event_count)
       select $1::text, $3::text, $2::uuid, $4::date, a.xid, a.seq, u.xid, u.seq, (select count(*) from span)
       from after a, (select xid, seq from span order by xid desc, seq desc limit 1) u
       on conflict do nothing
       returning ${DIGEST_COLUMNS}
     )
     select * from inserted
     union all
     select ${DIGEST_COLUMNS} from digests where tenant_id = $1::text and id = $3::text`,
    [endpoint.tenant_id, endpoint.id, id, localDay, endpoint.events],
  );
  return result.rows[0];
}

export async function findDigest(pool: Pool, tenantId: string, id: string): Promise<DigestRow | undefined> {
  const result = await pool.query<DigestRow>(
    `select ${DIGEST_COLUMNS} from digests where tenant_id = $1::text and id = $2::text`,
    [tenantId, id],
  );
  return result.rows[0];
}

/** What a digest tells: how many events of each type its window holds, and the first `limit` of them in order. */
export async function digestContents(
  pool: Pool,
  tenantId: string,
  id: string,
  limit: number,
): Promise<{ counts: Partial<Record<EventType, number>>; events: EventPayload[] }> {
  const window = `from digests d join endpoints p on p.tenant_id = d.tenant_id and p.id = d.endpoint_id
     join events ev on ev.tenant_id = d.tenant_id and (ev.xid, ev.seq) > (d.after_xid, d.after_seq)
       and (ev.xid, ev.seq) <= (d.until_xid, d.until_seq) and ev.event_type = any(p.events)
     where d.tenant_id = $1::text and d.id = $2::text`;
  const [counts, events] = await Promise.all([
    pool.query<{ event_type: EventType; count: string }>(
      `select ev.event_type, count(*) as count ${window} group by ev.event_type`,
      [tenantId, id],
    ),
    pool.query<{ payload: EventPayload }>(`select ev.payload ${window} order by ev.xid, ev.seq limit $3::int`, [
      tenantId,
      id,
      limit,
    ]),
  ]);
  return {
    counts: Object.fromEntries(counts.rows.map((row) => [row.event_type, Number(row.count)])),
    events: events.rows.map((row) => row.payload),
  };
}

const MAX_ERROR_CHARS = 1000;
const RESPONSE_SNIPPET_CHARS = 2048;

/** Logs a digest's attempt once (a repeat of the same number is dropped) and its latest state, as for a delivery. */
export async function recordDigestAttempt(
  pool: Pool,
  tenantId: string,
  id: string,
  attempt: LoggedAttempt,
  finish?: 'DELIVERED' | 'FAILED',
): Promise<void> {
  await pool.query(
    `with logged as (
       insert into digest_attempts (tenant_id, digest_id, attempt, status_code, duration_ms, error, response_snippet)
       values ($1::text, $2::text, $3::int, $4::int, $5::int, $6::text, $7::text)
       on conflict do nothing
     )
     update digests set attempts = greatest(attempts, $3::int), last_status_code = $4::int, last_error = $6::text,
       status = coalesce($8::text, status), finished_at = case when $8::text is null then null else now() end
     where tenant_id = $1::text and id = $2::text and status = 'PENDING'`,
    [
      tenantId,
      id,
      attempt.number,
      attempt.statusCode ?? null,
      attempt.durationMs,
      safeText(attempt.error, MAX_ERROR_CHARS) ?? null,
      safeText(attempt.responseSnippet, RESPONSE_SNIPPET_CHARS) ?? null,
      finish ?? null,
    ],
  );
}

/** Ends a digest without an attempt (its endpoint was turned off meanwhile): its events go in the next one. */
export async function finishDigest(pool: Pool, tenantId: string, id: string, error: string): Promise<void> {
  await pool.query(
    `update digests set status = 'FAILED', last_error = $3::text, finished_at = now()
     where tenant_id = $1::text and id = $2::text and status = 'PENDING'`,
    [tenantId, id, error],
  );
}

export interface DigestAttemptRow {
  attempt: number;
  status_code: number | null;
  error: string | null;
}

/** A digest's attempts, oldest first. */
export async function listDigestAttempts(pool: Pool, tenantId: string, id: string): Promise<DigestAttemptRow[]> {
  const result = await pool.query<DigestAttemptRow>(
    `select attempt, status_code, error from digest_attempts where tenant_id = $1::text and digest_id = $2::text
     order by attempt`,
    [tenantId, id],
  );
  return result.rows;
}

/** A digest with its attempts in order and the key of its place in an endpoint's list, newest first. */
export interface ListedDigest {
  id: string;
  local_day: string;
  event_count: number;
  status: DigestStatus;
  created_at: Date;
  finished_at: Date | null;
  attempt_log: AttemptRow[];
  cursor_at: string;
}

/**
 * An endpoint's digests, newest first, keyset-paginated on (created_at, id) (digests_endpoint_idx), each with its
 * attempts: the log of the e-mail digests, as an endpoint's deliveries are the log of its other mail.
 */
export async function listEndpointDigests(
  pool: Pool,
  tenantId: string,
  endpointId: string,
  options: { limit: number; after?: { createdAt: string; id: string } | undefined },
): Promise<ListedDigest[]> {
  const result = await pool.query<ListedDigest>(
    `select g.id, to_char(g.local_day, 'YYYY-MM-DD') as local_day, g.event_count, g.status, g.created_at,
            g.finished_at,
            coalesce((select json_agg(a order by a.attempt) from (
              select attempt, attempted_at, status_code, duration_ms, error, response_snippet
              from digest_attempts a where a.tenant_id = g.tenant_id and a.digest_id = g.id) a), '[]'::json)
              as attempt_log,
            ${cursorTime('g.created_at')} as cursor_at
     from digests g
     where g.tenant_id = $1::text and g.endpoint_id = $2::uuid
       and ($3::timestamptz is null or (g.created_at, g.id) < ($3::timestamptz, $4::text))
     order by g.created_at desc, g.id desc
     limit $5::int`,
    [tenantId, endpointId, options.after?.createdAt ?? null, options.after?.id ?? null, options.limit],
  );
  return result.rows;
}
