import { hashApiKey } from '../auth/api-keys.js';
import type { RateLimit } from '../db/api-rate-buckets.js';

/** How long tokens taken ahead stay usable here; unused, they are lost (never more than the bucket gave). */
const LEASE_MS = 1000;
/** Keys kept before the table starts over (only costs a few early takings). */
const MAX_KEYS = 10_000;

/**
 * Tokens of the tenants' shared buckets that this API process took ahead: a taking asks for a twentieth of a second's
 * worth, so only about one request in `batch` pays for the write to the bucket's row, and the requests between only
 * look their key up, as they would without a limit. The cluster never goes faster than the bucket: a process only
 * spends what it took.
 */
export class RequestLeases {
  readonly #leases = new Map<string, { left: number; remaining: number; until: number }>();
  /** How many tokens a taking asks for. */
  readonly batch: number;

  constructor(limit: RateLimit) {
    this.batch = Math.max(1, Math.min(limit.burst, Math.ceil(limit.perSecond / 20)));
  }

  /**
   * Spends a token taken ahead for `key`, if one is left; returns what the bucket had left when it was taken (plus
   * what is left here), for RateLimit-Remaining.
   */
  spend(key: string, now = Date.now()): number | undefined {
    const lease = this.#leases.get(hashApiKey(key));
    if (!lease || lease.left === 0 || lease.until < now) return undefined;
    lease.left -= 1;
    return lease.remaining + lease.left;
  }

  /** Keeps the tokens of a taking beyond the one its request spends. */
  keep(key: string, granted: number, remaining: number, now = Date.now()): void {
    if (granted <= 1) return;
    if (this.#leases.size >= MAX_KEYS) this.#leases.clear();
    this.#leases.set(hashApiKey(key), { left: granted - 1, remaining, until: now + LEASE_MS });
  }
}
