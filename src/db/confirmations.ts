import type { EndpointId } from '../contract/ids.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Pool, PoolClient } from './pool.js';

/** A confirmation message waiting to be sent. */
export interface ConfirmationEntry {
  id: string;
  tenant_id: string;
  endpoint_id: EndpointId;
  email: string;
  /** PUBLIC_URL/confirm/<token>: the only place the token itself is kept (sealed), until the message is sent. */
  link: string;
}

/** The row as stored: the link sealed (or, written before migration 029, in clear). */
interface StoredConfirmation extends Omit<ConfirmationEntry, 'link'> {
  link: string | null;
  link_key_id: string | null;
  sealed_link: Buffer | null;
}

/** Binds a sealed link to its endpoint: moved to another row, it does not open. */
const linkContext = (endpointId: string) => `confirmation-link:${endpointId}`;

/**
 * Gives an e-mail endpoint a new confirmation token (its hash; an earlier link stops working) and records, in the
 * caller's transaction, the message carrying it: not taken by a sweep before `leaseMs` (the API sends it first).
 */
export async function addConfirmation(
  client: Pick<PoolClient, 'query'>,
  entry: { taskQueue: string; tenantId: string; endpointId: string; email: string; link: string; tokenHash: string },
  leaseMs: number,
  keyring: Keyring,
): Promise<ConfirmationEntry> {
  await client.query(
    `update endpoints set confirmation_token_hash = $3::text, confirmed_at = null
     where tenant_id = $1::text and id = $2::uuid`,
    [entry.tenantId, entry.endpointId, entry.tokenHash],
  );
  // One message waits per endpoint at most: a resend replaces an unsent one (whose link no longer works anyway).
  await client.query('delete from confirmation_outbox where tenant_id = $1::text and endpoint_id = $2::uuid', [
    entry.tenantId,
    entry.endpointId,
  ]);
  const { keyId, sealed } = keyring.seal(Buffer.from(entry.link), linkContext(entry.endpointId));
  const result = await client.query<Omit<ConfirmationEntry, 'link'>>(
    `insert into confirmation_outbox (task_queue, tenant_id, endpoint_id, email, link_key_id, sealed_link, available_at)
     values ($1::text, $2::text, $3::uuid, $4::text, $5::text, $6::bytea, now() + $7::bigint * interval '1 millisecond')
     returning id::text, tenant_id, endpoint_id, email`,
    [entry.taskQueue, entry.tenantId, entry.endpointId, entry.email, keyId, sealed, leaseMs],
  );
  return { ...(result.rows[0] as Omit<ConfirmationEntry, 'link'>), link: entry.link };
}

/**
 * Takes up to `limit` messages of `taskQueue` whose time has come, oldest first, out of other sweeps' reach for
 * `leaseMs`; messages older than `maxAgeMs` are dropped instead (the tenant can ask for a resend).
 */
export async function claimConfirmations(
  pool: Pool,
  taskQueue: string,
  limit: number,
  leaseMs: number,
  maxAgeMs: number,
  keyring: Keyring,
): Promise<{ entries: ConfirmationEntry[]; unreadable: string[] }> {
  await pool.query(
    `delete from confirmation_outbox
     where task_queue = $1::text and created_at < now() - $2::bigint * interval '1 millisecond'`,
    [taskQueue, maxAgeMs],
  );
  const result = await pool.query<StoredConfirmation>(
    `update confirmation_outbox o set available_at = now() + $2::bigint * interval '1 millisecond'
     where o.id in (
       select id from confirmation_outbox where task_queue = $3::text and available_at <= now()
       order by id limit $1::int for update skip locked
     )
     returning o.id::text, o.tenant_id, o.endpoint_id, o.email, o.link, o.link_key_id, o.sealed_link`,
    [limit, leaseMs, taskQueue],
  );
  const entries: ConfirmationEntry[] = [];
  const unreadable: string[] = [];
  for (const { link, link_key_id: keyId, sealed_link: sealed, ...row } of result.rows) {
    try {
      const opened = keyId && sealed ? keyring.open(keyId, sealed, linkContext(row.endpoint_id)).toString() : link;
      if (opened === null) throw new Error('no link');
      entries.push({ ...row, link: opened });
    } catch {
      // Sealed under a key SECRET_KEYS no longer holds (or altered): it can never be sent; a resend makes a new one.
      unreadable.push(row.id);
    }
  }
  return { entries: entries.sort((a, b) => Number(a.id) - Number(b.id)), unreadable };
}

/** Forgets a message once the mail server took it (or refused it for good). */
export async function removeConfirmation(pool: Pool, id: string): Promise<void> {
  await pool.query('delete from confirmation_outbox where id = $1::bigint', [id]);
}

/** The endpoint a confirmation token belongs to, while it is pending. */
export async function findByConfirmationToken(
  pool: Pool,
  tokenHash: string,
): Promise<{ tenant_id: string; id: EndpointId; email: string } | undefined> {
  const result = await pool.query<{ tenant_id: string; id: EndpointId; email: string }>(
    'select tenant_id, id, email from endpoints where confirmation_token_hash = $1::text',
    [tokenHash],
  );
  return result.rows[0];
}

/**
 * Confirms the endpoint whose pending token this is (single use: the hash is cleared); undefined when the token is
 * not pending (used, replaced, or never issued). Returns whether the endpoint is active, so its held deliveries go.
 */
export async function confirmEndpoint(
  client: Pick<PoolClient, 'query'>,
  tenantId: string,
  tokenHash: string,
): Promise<{ id: EndpointId; active: boolean } | undefined> {
  const result = await client.query<{ id: EndpointId; active: boolean }>(
    `update endpoints set confirmed_at = now(), confirmation_token_hash = null, updated_at = now()
     where tenant_id = $1::text and confirmation_token_hash = $2::text
     returning id, active`,
    [tenantId, tokenHash],
  );
  return result.rows[0];
}
