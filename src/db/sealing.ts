import { UnknownKeyError, type Keyring } from '../crypto/keyring.js';
import type { StoredSecretColumns } from './endpoint-secrets.js';
import { endpointSecretContext } from './endpoints.js';
import { idempotencyContext } from './idempotency.js';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

/** Rows re-sealed per transaction: short locks, and a stopped run keeps what it did. */
const BATCH = 200;

export interface SealCounts {
  endpoints: number;
  idempotentResponses: number;
}

/**
 * Seals what rows written before migration 024 hold in clear. Every role runs it on start, so no clear secret remains
 * after the first start with SECRET_KEYS; once done it costs one query per table.
 */
export const sealClearSecrets = (pool: Pool, keyring: Keyring) => resealSecrets(pool, keyring, 'clear');

/**
 * `npm run keys -- reseal`: seals every value not sealed under the first key again under it (and anything still in
 * clear), in batches; idempotent, so a stopped run is simply run again. Afterwards the other keys open nothing and
 * can be removed from SECRET_KEYS. A previous secret past its grace is dropped instead: it signs nothing any more.
 */
export async function resealSecrets(pool: Pool, keyring: Keyring, which: 'clear' | 'all' = 'all'): Promise<SealCounts> {
  const counts: SealCounts = { endpoints: 0, idempotentResponses: 0 };
  const other = which === 'all' ? keyring.activeId : null;
  for (;;) {
    const done = await inTransaction(pool, (client) => resealEndpoints(client, keyring, other));
    if (done === 0) break;
    counts.endpoints += done;
  }
  for (;;) {
    const done = await inTransaction(pool, (client) => resealResponses(client, keyring, other));
    if (done === 0) break;
    counts.idempotentResponses += done;
  }
  return counts;
}

/** Opens a stored value, saying which row and key when the keyring lacks the key (the command's usual failure). */
function openOrExplain(keyring: Keyring, what: string, keyId: string, sealed: Buffer, context: string): Buffer {
  try {
    return keyring.open(keyId, sealed, context);
  } catch (err) {
    if (!(err instanceof UnknownKeyError)) throw err;
    throw new UnknownKeyError(
      `${what} is sealed under key "${keyId}", which SECRET_KEYS does not hold: add it back (after the first key) and run again`,
      { cause: err },
    );
  }
}

interface EndpointSecretsRow extends StoredSecretColumns {
  tenant_id: string;
  id: string;
  previous_expired: boolean;
}

/** One batch of endpoints with a secret in clear, or (`other` given) sealed under a key other than `other`. */
async function resealEndpoints(client: PoolClient, keyring: Keyring, other: string | null): Promise<number> {
  const { rows } = await client.query<EndpointSecretsRow>(
    `select tenant_id, id, secret, secret_sealed, secret_key_id, previous_secret, previous_secret_sealed,
       previous_secret_key_id, coalesce(previous_secret_expires_at < now(), true) as previous_expired
     from endpoints
     where secret is not null or previous_secret is not null
        or ($1::text is not null and (secret_key_id <> $1::text or previous_secret_key_id <> $1::text))
     order by tenant_id, id
     limit $2::int
     for update`,
    [other, BATCH],
  );
  for (const row of rows) {
    const context = endpointSecretContext(row.tenant_id, row.id);
    const what = `the secret of endpoint ${row.id}`;
    const open = (clear: string | null, sealed: Buffer | null, keyId: string | null) =>
      clear !== null
        ? Buffer.from(clear)
        : sealed && keyId
          ? openOrExplain(keyring, what, keyId, sealed, context)
          : undefined;
    const current = open(row.secret, row.secret_sealed, row.secret_key_id);
    const previous = row.previous_expired
      ? undefined
      : open(row.previous_secret, row.previous_secret_sealed, row.previous_secret_key_id);
    const sealedCurrent = current && keyring.seal(current, context);
    const sealedPrevious = previous && keyring.seal(previous, context);
    await client.query(
      `update endpoints set secret = null, secret_sealed = $3::bytea, secret_key_id = $4::text, previous_secret = null,
         previous_secret_sealed = $5::bytea, previous_secret_key_id = $6::text
       where tenant_id = $1::text and id = $2::uuid`,
      [
        row.tenant_id,
        row.id,
        sealedCurrent?.sealed ?? null,
        sealedCurrent?.keyId ?? null,
        sealedPrevious?.sealed ?? null,
        sealedPrevious?.keyId ?? null,
      ],
    );
  }
  return rows.length;
}

/** One batch of stored idempotent answers in clear, or (`other` given) sealed under a key other than `other`. */
async function resealResponses(client: PoolClient, keyring: Keyring, other: string | null): Promise<number> {
  const { rows } = await client.query<{
    tenant_id: string;
    key: string;
    response: unknown;
    response_sealed: Buffer | null;
    response_key_id: string | null;
  }>(
    `select tenant_id, key, response, response_sealed, response_key_id from idempotency_keys
     where response is not null or ($1::text is not null and response_key_id <> $1::text)
     order by tenant_id, key
     limit $2::int
     for update`,
    [other, BATCH],
  );
  for (const row of rows) {
    const context = idempotencyContext(row.tenant_id, row.key);
    const plain =
      row.response !== null
        ? Buffer.from(JSON.stringify(row.response))
        : openOrExplain(
            keyring,
            `the stored answer of Idempotency-Key ${JSON.stringify(row.key)}`,
            row.response_key_id as string,
            row.response_sealed as Buffer,
            context,
          );
    const { keyId, sealed } = keyring.seal(plain, context);
    await client.query(
      `update idempotency_keys set response = null, response_sealed = $3::bytea, response_key_id = $4::text
       where tenant_id = $1::text and key = $2::text`,
      [row.tenant_id, row.key, sealed, keyId],
    );
  }
  return rows.length;
}
