/** Entries kept before the table starts over: a flood from that many addresses only resets their counts. */
const MAX_ADDRESSES = 10_000;

/**
 * Failed authentications per client address, in this process's memory: a token bucket each (`perSecond`, ten times
 * as many at once). Checked before the key is looked up, so a flood of bad keys costs no database work.
 */
export class AuthFailures {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #burst: number;

  constructor(private readonly perSecond: number) {
    this.#burst = perSecond * 10;
  }

  #refilled(address: string, now: number): { tokens: number; at: number } {
    const bucket = this.#buckets.get(address) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    return bucket;
  }

  /** How long until `address` may try again (0: now). */
  waitMs(address: string, now = Date.now()): number {
    if (this.perSecond === 0 || !this.#buckets.has(address)) return 0;
    const { tokens } = this.#refilled(address, now);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.perSecond) * 1000);
  }

  /** Counts one failed authentication from `address`. */
  fail(address: string, now = Date.now()): void {
    if (this.perSecond === 0) return;
    if (this.#buckets.size >= MAX_ADDRESSES && !this.#buckets.has(address)) this.#buckets.clear();
    const bucket = this.#refilled(address, now);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.#buckets.set(address, bucket);
  }
}
