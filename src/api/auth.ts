import type { Context, Next } from 'koa';
import { isApiKeyShaped } from '../auth/api-keys.js';
import { ownerOfKey } from '../db/api-keys.js';
import type { Pool } from '../db/pool.js';
import { HttpProblem } from './problem.js';
import type { AppState } from './state.js';

/** The methods a read-only key may use: the safe ones, which change nothing (streams are GETs too). */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The key of `Authorization: Bearer <key>`, if the request sent one in that form. */
export const bearerKey = (ctx: Context): string | undefined => /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];

/**
 * Every /v1 route acts for the tenant of the request's API key (`Authorization: Bearer bb_…`); anything else is a
 * 401 before any other work. A key never reaches the logs: only the tenant it resolves to does. A read-only key
 * (scope `read`) gets a 403 for anything but GET and HEAD, before any route runs: nothing changes.
 */
export function requireApiKey(pool: Pool) {
  return async (ctx: Context & { state: AppState }, next: Next): Promise<void> => {
    // The router matches paths case-insensitively, so /V1/books is a /v1 route too.
    if (!/^\/v1(?:\/|$)/i.test(ctx.path)) {
      await next();
      return;
    }
    const key = bearerKey(ctx);
    ctx.set('WWW-Authenticate', 'Bearer realm="bookbell"');
    if (!key) throw new HttpProblem('api-key-missing', 'Send your API key as "Authorization: Bearer <key>".');
    const owner = isApiKeyShaped(key) ? await ownerOfKey(pool, key) : undefined;
    if (!owner) throw new HttpProblem('api-key-invalid', 'The API key is not valid (unknown or revoked).');
    ctx.remove('WWW-Authenticate');
    if (owner.scope === 'read' && !READS.has(ctx.method)) {
      throw new HttpProblem(
        'api-key-read-only',
        `This API key can only read (scope "read"): ${ctx.method} needs a key of scope "full".`,
      );
    }
    ctx.state.tenantId = owner.tenantId;
    await next();
  };
}
