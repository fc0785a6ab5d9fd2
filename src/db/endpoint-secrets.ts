// An endpoint's signing secrets: opened for the delivery pipeline, and rotated with a grace period for the old one.
import type { Keyring } from '../crypto/keyring.js';
import { ENDPOINT_COLUMNS, endpointSecretContext, type EndpointRow } from './endpoints.js';
import { prepared, type Pool } from './pool.js';

/** A secret as a row holds it: sealed, or (before the first start with SECRET_KEYS) in clear. */
interface StoredSecret {
  clear: string | null;
  sealed: Buffer | null;
  keyId: string | null;
}

function openSecret(keyring: Keyring, context: string, stored: StoredSecret): string | null {
  if (stored.sealed && stored.keyId) return keyring.open(stored.keyId, stored.sealed, context).toString('utf8');
  return stored.clear;
}

/** An endpoint's secret columns as stored: each secret sealed, or (before the first start with SECRET_KEYS) in clear. */
export interface StoredSecretColumns {
  secret: string | null;
  secret_sealed: Buffer | null;
  secret_key_id: string | null;
  previous_secret: string | null;
  previous_secret_sealed: Buffer | null;
  previous_secret_key_id: string | null;
}

/** What signing needs, opened; only the delivery pipeline reads it. */
export interface EndpointSecrets {
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/** The secret columns a statement reads for `openEndpointSecrets`. */
export const SECRET_COLUMNS =
  'secret, secret_sealed, secret_key_id, previous_secret, previous_secret_sealed, previous_secret_key_id';

export async function findEndpointWithSecrets(
  pool: Pool,
  keyring: Keyring,
  tenantId: string,
  id: string,
): Promise<(EndpointRow & EndpointSecrets) | undefined> {
  const result = await pool.query<EndpointRow & StoredSecretColumns>(
    prepared(
      `select ${ENDPOINT_COLUMNS}, ${SECRET_COLUMNS} from endpoints where tenant_id = $1::text and id = $2::uuid`,
    ),
    [tenantId, id],
  );
  const row = result.rows[0];
  return row && openEndpointSecrets(keyring, row);
}

/** An endpoint's row with its secrets opened (and their stored columns left out). */
export function openEndpointSecrets<Row extends EndpointRow & StoredSecretColumns>(
  keyring: Keyring,
  row: Row,
): Omit<Row, keyof StoredSecretColumns> & EndpointSecrets {
  const {
    secret,
    secret_sealed,
    secret_key_id,
    previous_secret,
    previous_secret_sealed,
    previous_secret_key_id,
    ...rest
  } = row;
  const context = endpointSecretContext(row.tenant_id, row.id);
  return {
    ...rest,
    secret: openSecret(keyring, context, { clear: secret, sealed: secret_sealed, keyId: secret_key_id }) ?? '',
    previous_secret: openSecret(keyring, context, {
      clear: previous_secret,
      sealed: previous_secret_sealed,
      keyId: previous_secret_key_id,
    }),
  };
}

/** Replaces the secret; the old one keeps signing alongside it until `graceMs` from now. */
export async function rotateEndpointSecret(
  pool: Pool,
  keyring: Keyring,
  tenantId: string,
  id: string,
  secret: string,
  graceMs: number,
): Promise<EndpointRow | undefined> {
  const { keyId, sealed } = keyring.seal(Buffer.from(secret), endpointSecretContext(tenantId, id));
  // The old secret moves over as it is stored: sealed for the same row, it opens there as well.
  const result = await pool.query<EndpointRow>(
    `update endpoints set previous_secret = secret, previous_secret_sealed = secret_sealed,
       previous_secret_key_id = secret_key_id, secret = null, secret_sealed = $3::bytea, secret_key_id = $5::text,
       previous_secret_expires_at = now() + $4::bigint * interval '1 millisecond', updated_at = now()
     where tenant_id = $1::text and id = $2::uuid
     returning ${ENDPOINT_COLUMNS}`,
    [tenantId, id, sealed, graceMs, keyId],
  );
  return result.rows[0];
}
