import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import { claimIdempotencyKey, releaseIdempotencyKey, storeIdempotentResponse } from '../db/idempotency.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Pool } from '../db/pool.js';
import { HttpProblem, invalidField } from './problem.js';
import type { AppState } from './state.js';

const KEY = /^[\x21-\x7e]{1,255}$/;
/** IDEMPOTENCY_KEY_TTL's default. */
export const IDEMPOTENCY_KEY_TTL_MS = 86_400_000;

/**
 * `Idempotency-Key` on a POST: the first answer (any status below 500) is stored and replayed for a repeat of the
 * same request within `ttlMs` (IDEMPOTENCY_KEY_TTL, 24 hours by default), with `Idempotent-Replayed: true`. The same key with a different request is a 422;
 * while the first is still running, a 409. A 5xx or an error frees the key so the client's retry runs again. The
 * stored answer is sealed with SECRET_KEYS: some carry an endpoint's signing secret.
 */
export function idempotentPosts(pool: Pool, keyring: Keyring, ttlMs: number) {
  return async (ctx: Context & { state: AppState }, next: Next): Promise<void> => {
    const key = ctx.get('Idempotency-Key');
    if (ctx.method !== 'POST' || !key || !ctx.state.tenantId) {
      await next();
      return;
    }
    if (!KEY.test(key)) {
      throw invalidField(
        'Idempotency-Key',
        'must be 1 to 255 printable ASCII characters',
        'Idempotency-Key must be 1 to 255 printable ASCII characters.',
      );
    }
    const { tenantId } = ctx.state;
    const requestHash = createHash('sha256')
      .update(`${ctx.method} ${ctx.path}\n${JSON.stringify(ctx.request.body ?? null)}`)
      .digest('hex');
    const earlier = await claimIdempotencyKey(pool, keyring, tenantId, key, requestHash, ttlMs);
    if (earlier) {
      if (earlier.request_hash !== requestHash) {
        throw new HttpProblem('idempotency-key-reused', 'This Idempotency-Key was used for a different request.');
      }
      if (earlier.status === null) {
        throw new HttpProblem(
          'idempotency-key-in-flight',
          'A request with this Idempotency-Key is still being handled; retry shortly.',
        );
      }
      ctx.status = earlier.status;
      ctx.body = earlier.response;
      if (earlier.location) ctx.set('Location', earlier.location);
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }
    try {
      await next();
    } catch (err) {
      await releaseIdempotencyKey(pool, tenantId, key);
      throw err;
    }
    // No route answered (Koa's bare 404, made a problem further out): there is no answer to keep for the key.
    const unanswered = ctx.status === 404 && ctx.body == null;
    if (ctx.status >= 500 || unanswered) await releaseIdempotencyKey(pool, tenantId, key);
    else
      await storeIdempotentResponse(pool, keyring, tenantId, key, {
        status: ctx.status,
        body: ctx.body,
        location: ctx.response.get('Location') || undefined,
      });
  };
}
