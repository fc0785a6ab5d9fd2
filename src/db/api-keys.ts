import { randomUUID } from 'node:crypto';
import { generateApiKey, hashApiKey, keyPrefix } from '../auth/api-keys.js';
import { prepared, type Pool } from './pool.js';

/** What a key may do: `read` only GET and HEAD (the console to look, a dashboard), `full` everything. */
export const API_KEY_SCOPES = ['read', 'full'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string | null;
  prefix: string;
  scope: ApiKeyScope;
  created_at: Date;
  revoked_at: Date | null;
}

/** Creates the tenant if needed and a new key for it; the key itself is returned here and never again. */
export async function createApiKey(
  pool: Pool,
  tenantId: string,
  name?: string,
  scope: ApiKeyScope = 'full',
): Promise<{ key: string; row: ApiKeyRow }> {
  const key = generateApiKey();
  await pool.query('insert into tenants (id) values ($1::text) on conflict do nothing', [tenantId]);
  const result = await pool.query<ApiKeyRow>(
    `insert into api_keys (id, tenant_id, name, prefix, key_hash, scope)
     values ($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text)
     returning id, tenant_id, name, prefix, scope, created_at, revoked_at`,
    [randomUUID(), tenantId, name ?? null, keyPrefix(key), hashApiKey(key), scope],
  );
  return { key, row: result.rows[0] as ApiKeyRow };
}

/** The tenant a live (not revoked) key belongs to, and what the key may do. */
export async function ownerOfKey(
  pool: Pool,
  key: string,
): Promise<{ tenantId: string; scope: ApiKeyScope } | undefined> {
  const result = await pool.query<{ tenant_id: string; scope: ApiKeyScope }>(
    prepared('select tenant_id, scope from api_keys where key_hash = $1::text and revoked_at is null'),
    [hashApiKey(key)],
  );
  const row = result.rows[0];
  return row && { tenantId: row.tenant_id, scope: row.scope };
}

/** The tenant a live (not revoked) key belongs to. */
export async function tenantOfKey(pool: Pool, key: string): Promise<string | undefined> {
  return (await ownerOfKey(pool, key))?.tenantId;
}

export async function listApiKeys(pool: Pool, tenantId?: string): Promise<ApiKeyRow[]> {
  const result = await pool.query<ApiKeyRow>(
    `select id, tenant_id, name, prefix, scope, created_at, revoked_at from api_keys
     where $1::text is null or tenant_id = $1::text order by tenant_id, created_at`,
    [tenantId ?? null],
  );
  return result.rows;
}

export async function revokeApiKey(pool: Pool, id: string): Promise<boolean> {
  const result = await pool.query('update api_keys set revoked_at = now() where id = $1::uuid and revoked_at is null', [
    id,
  ]);
  return (result.rowCount ?? 0) > 0;
}
