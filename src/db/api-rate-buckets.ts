import { hashApiKey } from '../auth/api-keys.js';
import type { ApiKeyScope } from './api-keys.js';
import { prepared, type Pool } from './pool.js';

/** A token bucket: `perSecond` tokens flow in, up to `burst`; each request takes one. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** What taking tokens found: the key's tenant (none: unknown or revoked), and how many tokens it got. */
export interface TakenTokens {
  tenantId: string | undefined;
  /** What the key may do (see api-keys.ts). */
  scope: ApiKeyScope | undefined;
  /** From 0 (none left: the request is refused) to the number asked for. */
  granted: number;
  /** Whole tokens left in the bucket after this taking. */
  remaining: number;
  /** How long until the next token, when none was granted. */
  waitMs: number;
}

/**
 * Resolves an API key to its tenant and takes up to `count` tokens from the tenant's bucket, in one statement (the
 * lookup every request makes anyway, so taking costs no extra round trip). The bucket is a row every API process
 * shares; it refills from the time elapsed since it was last taken from.
 */
export async function takeRequestTokens(
  pool: Pool,
  key: string,
  limit: RateLimit,
  count: number,
): Promise<TakenTokens> {
  // The bucket's level now: what it held, plus what flowed in since, up to the burst.
  const level = `least($3::float8, b.tokens + $2::float8 * greatest(0, extract(epoch from now() - b.refilled_at)))`;
  const result = await pool.query<{
    tenant_id: string;
    scope: ApiKeyScope;
    tokens: number | null;
    granted: number | null;
  }>(
    prepared(`with k as (
       select tenant_id, scope from api_keys where key_hash = $1::text and revoked_at is null
     ), b as (
       insert into api_rate_buckets as b (tenant_id, tokens, granted, refilled_at)
       select tenant_id, $3::float8 - least($4::int, floor($3::float8)), least($4::int, floor($3::float8)), now()
       from k
       on conflict (tenant_id) do update set
         tokens = ${level} - least($4::int, floor(${level})),
         granted = least($4::int, floor(${level})),
         -- A statement that waited for the row's lock started earlier than the one it waited for.
         refilled_at = greatest(b.refilled_at, now())
       returning tokens, granted
     )
     select k.tenant_id, k.scope, b.tokens, b.granted from k left join b on true`),
    [hashApiKey(key), limit.perSecond, limit.burst, count],
  );
  const row = result.rows[0];
  if (!row) return { tenantId: undefined, scope: undefined, granted: 0, remaining: 0, waitMs: 0 };
  const tokens = row.tokens ?? 0;
  const granted = row.granted ?? 0;
  return {
    tenantId: row.tenant_id,
    scope: row.scope,
    granted,
    remaining: Math.max(0, Math.floor(tokens)),
    waitMs: granted > 0 ? 0 : Math.ceil(((1 - tokens) / limit.perSecond) * 1000),
  };
}
