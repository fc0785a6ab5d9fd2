import type { Context, Next } from 'koa';
import { isApiKeyShaped } from '../auth/api-keys.js';
import { tenantOfKey } from '../db/api-keys.js';
import { takeRequestToken, type RateLimit } from '../db/api-rate-buckets.js';
import type { Pool } from '../db/pool.js';
import type { AuthFailures } from './auth-failures.js';
import { HttpProblem } from './problem.js';
import type { AppState } from './state.js';

/** The key of `Authorization: Bearer <key>`, if the request sent one in that form. */
export const bearerKey = (ctx: Context): string | undefined => /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];

/** Limits against abuse (docs/security.md): each tenant's request rate, and failed authentications per address. */
export interface ApiLimits {
  /** Undefined: no limit (API_RATE_LIMIT=0). */
  requests?: RateLimit | undefined;
  authFailures?: AuthFailures | undefined;
}

const tooMany = (detail: string, waitMs: number) =>
  new HttpProblem('rate-limited', detail, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
  });

/**
 * Every /v1 route acts for the tenant of the request's API key (`Authorization: Bearer bb_…`); anything else is a
 * 401 before any other work. A key never reaches the logs: only the tenant it resolves to does. The same statement
 * that resolves the key takes a token from its tenant's request bucket: past the rate, a 429 with Retry-After.
 */
export function requireApiKey(pool: Pool, limits: ApiLimits = {}) {
  return async (ctx: Context & { state: AppState }, next: Next): Promise<void> => {
    // The router matches paths case-insensitively, so /V1/books is a /v1 route too.
    if (!/^\/v1(?:\/|$)/i.test(ctx.path)) {
      await next();
      return;
    }
    const { authFailures, requests } = limits;
    const waitMs = authFailures?.waitMs(ctx.ip) ?? 0;
    if (waitMs > 0)
      throw tooMany('Too many failed authentications from your address; wait before trying again.', waitMs);
    const refuse = (problem: HttpProblem) => {
      authFailures?.fail(ctx.ip);
      return problem;
    };
    const key = bearerKey(ctx);
    ctx.set('WWW-Authenticate', 'Bearer realm="bookbell"');
    if (!key) throw refuse(new HttpProblem('api-key-missing', 'Send your API key as "Authorization: Bearer <key>".'));
    let tenantId: string | undefined;
    if (isApiKeyShaped(key) && requests) {
      const taken = await takeRequestToken(pool, key, requests);
      tenantId = taken.tenantId;
      if (tenantId) {
        ctx.set({ 'RateLimit-Limit': String(requests.burst), 'RateLimit-Remaining': String(taken.remaining) });
        if (!taken.granted) {
          ctx.remove('WWW-Authenticate');
          throw tooMany(
            `Too many requests: this tenant may make ${requests.perSecond} a second (${requests.burst} at once).`,
            taken.waitMs,
          );
        }
      }
    } else if (isApiKeyShaped(key)) {
      tenantId = await tenantOfKey(pool, key);
    }
    if (!tenantId) throw refuse(new HttpProblem('api-key-invalid', 'The API key is not valid (unknown or revoked).'));
    ctx.remove('WWW-Authenticate');
    ctx.state.tenantId = tenantId;
    await next();
  };
}
