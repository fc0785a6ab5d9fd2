import type { Context, Next } from 'koa';
import { isApiKeyShaped } from '../auth/api-keys.js';
import { ownerOfKey, type ApiKeyScope } from '../db/api-keys.js';
import { takeRequestTokens, type RateLimit } from '../db/api-rate-buckets.js';
import type { Pool } from '../db/pool.js';
import type { AuthFailures } from './auth-failures.js';
import { HttpProblem } from './problem.js';
import { RequestLeases } from './request-leases.js';
import type { AppState } from './state.js';

/** The methods a read-only key may use: the safe ones, which change nothing (streams are GETs too). */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The key of `Authorization: Bearer <key>`, if the request sent one in that form. */
export const bearerKey = (ctx: Context): string | undefined => /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];

/** Limits against abuse (docs/security.md): each tenant's request rate, and failed authentications per address. */
export interface ApiLimits {
  /** Undefined: no limit (API_RATE_LIMIT=0). */
  requests?: RateLimit | undefined;
  authFailures?: AuthFailures | undefined;
}

const tooMany = (detail: string, waitMs: number) =>
  new HttpProblem('rate-limited', detail, { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });

/**
 * Every /v1 route acts for the tenant of the request's API key (`Authorization: Bearer bb_…`); anything else is a
 * 401 before any other work. A key never reaches the logs: only the tenant it resolves to does. Each request spends a
 * token of its tenant's request bucket, taken a few at a time by the statement that resolves the key (see
 * RequestLeases): past the rate, a 429 with Retry-After. A read-only key
 * (scope `read`) gets a 403 for anything but GET, HEAD and OPTIONS, before any route runs: nothing changes.
 */
export function requireApiKey(pool: Pool, limits: ApiLimits = {}) {
  const { authFailures, requests } = limits;
  const leases = requests && new RequestLeases(requests);

  /** The key's tenant, having spent one of its request tokens (`remaining` left); `waitMs` when none was left. */
  const tenantOf = async (
    key: string,
  ): Promise<{ tenantId?: string; scope?: ApiKeyScope; remaining?: number; waitMs?: number }> => {
    if (!isApiKeyShaped(key)) return {};
    if (!requests || !leases) return { ...(await ownerOfKey(pool, key)) };
    const leased = leases.spend(key);
    if (leased !== undefined) return { ...(await ownerOfKey(pool, key)), remaining: leased };
    const taken = await takeRequestTokens(pool, key, requests, leases.batch);
    if (!taken.tenantId) return {};
    leases.keep(key, taken.granted, taken.remaining);
    const remaining = taken.remaining + Math.max(0, taken.granted - 1);
    return {
      tenantId: taken.tenantId,
      ...(taken.scope ? { scope: taken.scope } : {}),
      remaining,
      ...(taken.granted === 0 ? { waitMs: taken.waitMs } : {}),
    };
  };

  return async (ctx: Context & { state: AppState }, next: Next): Promise<void> => {
    // The router matches paths case-insensitively, so /V1/books is a /v1 route too.
    if (!/^\/v1(?:\/|$)/i.test(ctx.path)) {
      await next();
      return;
    }
    const failuresWaitMs = authFailures?.waitMs(ctx.ip) ?? 0;
    if (failuresWaitMs > 0) {
      throw tooMany('Too many failed authentications from your address; wait before trying again.', failuresWaitMs);
    }
    const refuse = (problem: HttpProblem) => {
      authFailures?.fail(ctx.ip);
      return problem;
    };
    const key = bearerKey(ctx);
    ctx.set('WWW-Authenticate', 'Bearer realm="bookbell"');
    if (!key) throw refuse(new HttpProblem('api-key-missing', 'Send your API key as "Authorization: Bearer <key>".'));
    const { tenantId, scope, remaining, waitMs } = await tenantOf(key);
    if (!tenantId) throw refuse(new HttpProblem('api-key-invalid', 'The API key is not valid (unknown or revoked).'));
    ctx.remove('WWW-Authenticate');
    if (requests && remaining !== undefined) {
      ctx.set({ 'RateLimit-Limit': String(requests.burst), 'RateLimit-Remaining': String(remaining) });
    }
    if (requests && waitMs !== undefined) {
      throw tooMany(
        `Too many requests: this tenant may make ${requests.perSecond} a second (${requests.burst} at once).`,
        waitMs,
      );
    }
    if (scope === 'read' && !READS.has(ctx.method)) {
      throw new HttpProblem(
        'api-key-read-only',
        `This API key can only read (scope "read"): ${ctx.method} needs a key of scope "full".`,
      );
    }
    ctx.state.tenantId = tenantId;
    await next();
  };
}
