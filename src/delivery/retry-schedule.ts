import { DAY_MS, parseDuration } from '../durations.js';

export interface RetryPolicy {
  /** Delay before each attempt: the first is usually 0 (at once); after the list, daily. */
  scheduleMs: number[];
  /** Give up once the next attempt would start later than this after the delivery was created. */
  windowMs: number;
  /** ± fraction of each delay, so retries to one receiver spread out. */
  jitter: number;
  /** Upper bound on a receiver's Retry-After. */
  maxRetryAfterMs: number;
}

/** Svix's schedule (0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), then daily, within 3 days. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  scheduleMs: ['0s', '5s', '5m', '30m', '2h', '5h', '10h', '10h'].map(parseDuration),
  windowMs: 3 * DAY_MS,
  jitter: 0.2,
  maxRetryAfterMs: 6 * 3_600_000,
};

/**
 * The delay after failed attempt `attempt` (1-based) before the next one, or undefined to give up. A receiver's
 * Retry-After wins when it asks for longer (bounded by `maxRetryAfterMs`).
 */
export function nextDelayMs(
  policy: RetryPolicy,
  attempt: number,
  elapsedMs: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | undefined {
  const planned = policy.scheduleMs[attempt] ?? DAY_MS;
  const jittered = Math.round(planned * (1 + policy.jitter * (2 * random() - 1)));
  const delay = Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxRetryAfterMs));
  return elapsedMs + delay > policy.windowMs ? undefined : delay;
}
