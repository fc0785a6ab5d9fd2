import type { Keyring } from '../crypto/keyring.js';
import type { Pool } from './pool.js';

/**
 * Where a stored answer is sealed: its key's row. Answers are sealed whatever they hold, since some (an endpoint's
 * creation, a rotation) carry a signing secret and a replay must return it as it was.
 */
export const idempotencyContext = (tenantId: string, key: string) => `idempotency:${tenantId}:${key}`;

export interface StoredResponse {
  request_hash: string;
  status: number | null;
  response: unknown;
  location: string | null;
}

/** Claims a key for a new request; returns the earlier request's record when the key was used within `ttlMs`. */
export async function claimIdempotencyKey(
  pool: Pool,
  keyring: Keyring,
  tenantId: string,
  key: string,
  requestHash: string,
  ttlMs: number,
): Promise<StoredResponse | undefined> {
  // A key older than its TTL is free again (the retention schedule deletes it later in any case); so is one claimed 30 s ago and never answered: its API process died
  // mid-request (requests end well within that), and the client's retries would otherwise get 409 for a day. Should a
  // slow first request still be running, the retry repeats it, which the ids in every request make harmless.
  await pool.query(
    `delete from idempotency_keys where tenant_id = $1::text and key = $2::text
       and (created_at < now() - $3::bigint * interval '1 millisecond'
            or (status is null and created_at < now() - interval '30 seconds'))`,
    [tenantId, key, ttlMs],
  );
  const claimed = await pool.query(
    `insert into idempotency_keys (tenant_id, key, request_hash) values ($1::text, $2::text, $3::text)
     on conflict do nothing`,
    [tenantId, key, requestHash],
  );
  if ((claimed.rowCount ?? 0) > 0) return undefined;
  const existing = await pool.query<
    StoredResponse & { response_sealed: Buffer | null; response_key_id: string | null }
  >(
    `select request_hash, status, response, response_sealed, response_key_id, location from idempotency_keys
     where tenant_id = $1::text and key = $2::text`,
    [tenantId, key],
  );
  const row = existing.rows[0];
  if (!row) return undefined;
  const { response_sealed: sealed, response_key_id: keyId, ...stored } = row;
  // In clear only when stored before migration 024 and not yet sealed by a start (src/db/sealing.ts).
  if (sealed && keyId) {
    stored.response = JSON.parse(keyring.open(keyId, sealed, idempotencyContext(tenantId, key)).toString('utf8'));
  }
  return stored;
}

export async function storeIdempotentResponse(
  pool: Pool,
  keyring: Keyring,
  tenantId: string,
  key: string,
  response: { status: number; body: unknown; location: string | undefined },
): Promise<void> {
  const { keyId, sealed } = keyring.seal(
    Buffer.from(JSON.stringify(response.body ?? null)),
    idempotencyContext(tenantId, key),
  );
  await pool.query(
    `update idempotency_keys set status = $3::int, response_sealed = $4::bytea, response_key_id = $6::text,
       location = $5::text
     where tenant_id = $1::text and key = $2::text`,
    [tenantId, key, response.status, sealed, response.location ?? null, keyId],
  );
}

/** Frees a key whose request failed on our side, so the client's retry runs again. */
export async function releaseIdempotencyKey(pool: Pool, tenantId: string, key: string): Promise<void> {
  await pool.query('delete from idempotency_keys where tenant_id = $1::text and key = $2::text and status is null', [
    tenantId,
    key,
  ]);
}
