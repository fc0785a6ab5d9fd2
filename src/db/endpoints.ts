// Endpoint rows: their columns, and creating, listing, finding, changing and deleting them.
import type { EndpointId } from '../contract/ids.js';
import type { BodyFormat, MailMode, SubscribableEvent } from '../contract/endpoint-settings.js';
import type { EndpointFilter } from '../contract/endpoint-filter.js';
import type { Keyring } from '../crypto/keyring.js';
import { cursorTime } from './cursor-time.js';
import { prepared, type Pool } from './pool.js';

export interface EndpointRow {
  tenant_id: string;
  id: EndpointId;
  /** An endpoint has a URL or an e-mail address; never both. */
  url: string | null;
  email: string | null;
  events: SubscribableEvent[];
  description: string | null;
  signature_scheme: 'standard' | 'ocrolus';
  /** The body it receives (always bookbell for an e-mail address). */
  format: BodyFormat;
  active: boolean;
  disabled_reason: string | null;
  previous_secret_expires_at: Date | null;
  /** At most this many deliveries a second (across all the tenant's books); null: no limit. */
  rate_limit: number | null;
  /** When the address confirmed it wants these mails; null while it has not (and for a URL, which needs none). */
  confirmed_at: Date | null;
  /** Which subscribed events it receives; null: all of them. */
  filter: EndpointFilter | null;
  /** Events the filter skipped since it was set (`skipped_since`; null without a filter). */
  skipped_count: number;
  skipped_since: Date | null;
  /** Since when its attempts have failed without a break; null while they get through (endpoint-health.ts). */
  failing_since: Date | null;
  /** Since when it answers slowly (SLOW_ATTEMPT_MS); null otherwise. */
  slow_since: Date | null;
  /** How an e-mail endpoint mails (always `each` for a URL); a daily one's hour and zone. */
  mail_mode: MailMode;
  digest_hour: number | null;
  digest_time_zone: string | null;
  created_at: Date;
  updated_at: Date;
}

/** An e-mail endpoint's mail mode as the API sets it: undefined keeps what the endpoint has. */
export interface MailSettings {
  mailMode?: MailMode | undefined;
  digestHour?: number | undefined;
  digestTimeZone?: string | undefined;
}

/**
 * Where an endpoint's secrets are sealed: the row, so a sealed value copied into another row does not open. The
 * current and the previous secret share it (rotation moves one into the other).
 */
export const endpointSecretContext = (tenantId: string, id: string) => `endpoint:${tenantId}:${id}`;

export const ENDPOINT_COLUMNS =
  'tenant_id, id, url, email, events, description, signature_scheme, format, active, disabled_reason, previous_secret_expires_at, confirmed_at, rate_limit, filter, skipped_count::float8 as skipped_count, skipped_since, failing_since, slow_since, mail_mode, digest_hour, digest_time_zone, created_at, updated_at';

export class DuplicateUrlError extends Error {
  override name = 'DuplicateUrlError';
}

function rethrowDuplicate(err: unknown): never {
  if ((err as { code?: string }).code === '23505') throw new DuplicateUrlError('url already registered');
  throw err;
}

export async function insertEndpoint(
  pool: Pick<Pool, 'query'>,
  endpoint: {
    tenantId: string;
    id: string;
    url?: string | undefined;
    email?: string | undefined;
    events: SubscribableEvent[];
    description?: string | undefined;
    scheme: 'standard' | 'ocrolus';
    secret: string;
    rateLimit?: number | null | undefined;
    format?: BodyFormat | undefined;
    filter?: EndpointFilter | null | undefined;
  } & MailSettings,
  keyring: Keyring,
): Promise<EndpointRow> {
  const { keyId, sealed } = keyring.seal(
    Buffer.from(endpoint.secret),
    endpointSecretContext(endpoint.tenantId, endpoint.id),
  );
  const result = await pool
    .query<EndpointRow>(
      `insert into endpoints (tenant_id, id, url, events, description, signature_scheme, secret_sealed, secret_key_id,
                              email, rate_limit, format, filter, skipped_since, mail_mode, digest_hour,
                              digest_time_zone, digest_from_xid)
       values ($1::text, $2::uuid, $3::text, $4::text[], $5::text, $6::text, $7::bytea, $9::text, $8::text, $10::int,
               $11::text, $12::jsonb, case when $12::jsonb is null then null else now() end, $13::text,
               $14::smallint, $15::text, case when $13::text = 'daily' then pg_current_xact_id() end)
       returning ${ENDPOINT_COLUMNS}`,
      [
        endpoint.tenantId,
        endpoint.id,
        endpoint.url ?? null,
        endpoint.events,
        endpoint.description ?? null,
        endpoint.scheme,
        sealed,
        endpoint.email ?? null,
        keyId,
        endpoint.rateLimit ?? null,
        endpoint.format ?? 'bookbell',
        endpoint.filter ? JSON.stringify(endpoint.filter) : null,
        endpoint.mailMode ?? 'each',
        endpoint.mailMode === 'daily' ? (endpoint.digestHour ?? null) : null,
        endpoint.mailMode === 'daily' ? (endpoint.digestTimeZone ?? null) : null,
      ],
    )
    .catch(rethrowDuplicate);
  return result.rows[0] as EndpointRow;
}

/** The position after which a page continues: the last row's time (with microseconds) and id. */
export interface TimeIdAfter {
  at: string;
  id: string;
}

/** A tenant's endpoints, oldest first, keyset-paginated on (created_at, id). */
export async function listEndpoints(
  pool: Pool,
  tenantId: string,
  page: { limit: number; after?: TimeIdAfter | undefined },
): Promise<Array<EndpointRow & { cursor_at: string }>> {
  const result = await pool.query<EndpointRow & { cursor_at: string }>(
    `select ${ENDPOINT_COLUMNS}, ${cursorTime('created_at')} as cursor_at from endpoints
     where tenant_id = $1::text and ($2::timestamptz is null or (created_at, id) > ($2::timestamptz, $3::uuid))
     order by created_at, id
     limit $4::int`,
    [tenantId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
  );
  return result.rows;
}

export async function findEndpoint(pool: Pool, tenantId: string, id: string): Promise<EndpointRow | undefined> {
  const result = await pool.query<EndpointRow>(
    prepared(`select ${ENDPOINT_COLUMNS} from endpoints where tenant_id = $1::text and id = $2::uuid`),
    [tenantId, id],
  );
  return result.rows[0];
}

/**
 * Changes an endpoint. Turning it on (`active: true`) clears its disabled reason and its failure streak: the first
 * failure after a re-enable starts a new streak instead of disabling it again at once. A new filter (null clears it)
 * starts its skip count afresh; the same filter again keeps it.
 */
export async function updateEndpoint(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  id: string,
  changes: {
    url?: string | undefined;
    email?: string | undefined;
    events?: SubscribableEvent[] | undefined;
    description?: string | undefined;
    active?: boolean | undefined;
    /** null clears the limit; undefined keeps it. */
    rateLimit?: number | null | undefined;
    format?: BodyFormat | undefined;
    /** undefined: unchanged; null: removed. */
    filter?: EndpointFilter | null | undefined;
  } & MailSettings,
): Promise<EndpointRow | undefined> {
  const refiltered = 'filter is distinct from $11::jsonb and $10::boolean';
  const result = await pool
    .query<EndpointRow>(
      `update endpoints set url = case when email is null then coalesce($3::text, url) end,
         filter = case when $10::boolean then $11::jsonb else filter end,
         skipped_count = case when ${refiltered} then 0 else skipped_count end,
         skipped_since = case when ${refiltered} then (case when $11::jsonb is null then null else now() end)
                              else skipped_since end,
         email = case when url is null then coalesce($7::text, email) end,
         events = coalesce($4::text[], events),
         description = coalesce($5::text, description), active = coalesce($6::boolean, active),
         rate_limit = case when $8::boolean then $9::int else rate_limit end,
         format = coalesce($12::text, format),
         -- Becoming daily counts the digest's events from this transaction on; leaving it forgets hour and zone.
         mail_mode = coalesce($13::text, mail_mode),
         digest_hour = case when coalesce($13::text, mail_mode) = 'daily' then coalesce($14::smallint, digest_hour) end,
         digest_time_zone = case when coalesce($13::text, mail_mode) = 'daily'
                                 then coalesce($15::text, digest_time_zone) end,
         digest_from_xid = case when coalesce($13::text, mail_mode) <> 'daily' then null
                                when mail_mode = 'daily' then digest_from_xid else pg_current_xact_id() end,
         disabled_reason = case when $6::boolean then null else disabled_reason end,
         failing_since = case when $6::boolean and not active then null else failing_since end, updated_at = now()
       where tenant_id = $1::text and id = $2::uuid
       returning ${ENDPOINT_COLUMNS}`,
      [
        tenantId,
        id,
        changes.url ?? null,
        changes.events ?? null,
        changes.description ?? null,
        changes.active ?? null,
        changes.email ?? null,
        changes.rateLimit !== undefined,
        changes.rateLimit ?? null,
        changes.filter !== undefined,
        changes.filter ? JSON.stringify(changes.filter) : null,
        changes.format ?? null,
        changes.mailMode ?? null,
        changes.digestHour ?? null,
        changes.digestTimeZone ?? null,
      ],
    )
    .catch(rethrowDuplicate);
  return result.rows[0];
}

export async function deleteEndpoint(pool: Pool, tenantId: string, id: string): Promise<boolean> {
  const result = await pool.query('delete from endpoints where tenant_id = $1::text and id = $2::uuid', [tenantId, id]);
  return (result.rowCount ?? 0) > 0;
}

/** Whether deliveries to the endpoint are sent: it is on, and an address has confirmed it wants them. */
export const sendsTo = (endpoint: Pick<EndpointRow, 'active' | 'email' | 'confirmed_at'>): boolean =>
  endpoint.active && (endpoint.email === null || endpoint.confirmed_at !== null);
