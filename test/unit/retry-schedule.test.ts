import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, nextDelayMs, type RetryPolicy } from '../../src/delivery/retry-schedule.js';
import { formatDuration, parseDuration } from '../../src/durations.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const NO_JITTER = () => 0.5;
const MOST_NEGATIVE = () => 0;
const MOST_POSITIVE = () => 1;

/**
 * Plays a delivery that keeps failing: attempt 1 at once, then each next one after `nextDelayMs`. Returns the start
 * time (ms after the delivery was created) of every attempt made before it gives up.
 */
function attemptTimes(policy: RetryPolicy, random: () => number): number[] {
  const times = [0];
  for (let attempt = 1; attempt < 1_000; attempt += 1) {
    const elapsed = times[times.length - 1] as number;
    const delay = nextDelayMs(policy, attempt, elapsed, undefined, random);
    if (delay === undefined) return times;
    times.push(elapsed + delay);
  }
  throw new Error('the schedule never gave up');
}

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['200ms', 200],
    ['30s', 30 * SECOND],
    ['5m', 5 * MINUTE],
    ['2h', 2 * HOUR],
    ['3d', 3 * DAY],
    [' 10h ', 10 * HOUR],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5x', '', '5', 'm', '1.5h', '-5s', '5 m', '5M'])('rejects %j with a message naming it', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration such as/);
    expect(() => parseDuration(text)).toThrow(`"${text}"`);
  });
});

describe('DEFAULT_RETRY_POLICY', () => {
  it('is the Svix schedule within 3 days, ±20% jitter, Retry-After capped at 6 h', () => {
    expect(DEFAULT_RETRY_POLICY.scheduleMs).toEqual([
      0,
      5 * SECOND,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      10 * HOUR,
    ]);
    expect(DEFAULT_RETRY_POLICY.windowMs).toBe(3 * DAY);
    expect(DEFAULT_RETRY_POLICY.jitter).toBe(0.2);
    expect(DEFAULT_RETRY_POLICY.maxRetryAfterMs).toBe(6 * HOUR);
  });
});

describe('nextDelayMs', () => {
  it('waits scheduleMs[n] after attempt n, without jitter when random is 0.5', () => {
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, undefined, NO_JITTER)).toBe(5 * SECOND);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 2, 5 * SECOND, undefined, NO_JITTER)).toBe(5 * MINUTE);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 3, 0, undefined, NO_JITTER)).toBe(30 * MINUTE);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 4, 0, undefined, NO_JITTER)).toBe(2 * HOUR);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 5, 0, undefined, NO_JITTER)).toBe(5 * HOUR);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 6, 0, undefined, NO_JITTER)).toBe(10 * HOUR);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 7, 0, undefined, NO_JITTER)).toBe(10 * HOUR);
  });

  it('waits a day after every attempt beyond the list', () => {
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 8, 0, undefined, NO_JITTER)).toBe(86_400_000);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 9, 0, undefined, NO_JITTER)).toBe(86_400_000);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 50, 0, undefined, NO_JITTER)).toBe(86_400_000);
  });

  it('spreads each delay by at most ±20%', () => {
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, undefined, MOST_NEGATIVE)).toBe(4 * SECOND);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, undefined, MOST_POSITIVE)).toBe(6 * SECOND);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 4, 0, undefined, MOST_NEGATIVE)).toBe(96 * MINUTE);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 4, 0, undefined, MOST_POSITIVE)).toBe(144 * MINUTE);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 8, 0, undefined, MOST_NEGATIVE)).toBe(69_120_000);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 8, 0, undefined, MOST_POSITIVE)).toBe(103_680_000);
  });

  it('keeps real random jitter within ±20% and actually varies the delay', () => {
    const delays = Array.from({ length: 200 }, () => nextDelayMs(DEFAULT_RETRY_POLICY, 3, 0) as number);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0.8 * 30 * MINUTE);
      expect(delay).toBeLessThanOrEqual(1.2 * 30 * MINUTE);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('lets a longer Retry-After win over the planned delay', () => {
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, 60 * SECOND, NO_JITTER)).toBe(60 * SECOND);
    // Longer than the most a +20% jitter would give, so the receiver's wish decides.
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, 7 * SECOND, MOST_POSITIVE)).toBe(7 * SECOND);
  });

  it('keeps the planned delay when Retry-After asks for less', () => {
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 2, 0, 10 * SECOND, NO_JITTER)).toBe(5 * MINUTE);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, 0, NO_JITTER)).toBe(5 * SECOND);
  });

  it('caps Retry-After at maxRetryAfterMs', () => {
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, 2 * DAY, NO_JITTER)).toBe(6 * HOUR);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, 0, 6 * HOUR + 1, NO_JITTER)).toBe(6 * HOUR);
    // A cap below the planned delay does not shorten the plan.
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 8, 0, 2 * DAY, NO_JITTER)).toBe(DAY);
    const custom: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 30 * SECOND };
    expect(nextDelayMs(custom, 1, 0, 10 * MINUTE, NO_JITTER)).toBe(30 * SECOND);
  });

  it('gives up once the next attempt would start after the 3-day window', () => {
    const window = DEFAULT_RETRY_POLICY.windowMs;
    expect(window).toBe(3 * DAY);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, window - 5 * SECOND, undefined, NO_JITTER)).toBe(5 * SECOND);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, window - 5 * SECOND + 1, undefined, NO_JITTER)).toBeUndefined();
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 8, 2 * DAY + 1, undefined, NO_JITTER)).toBeUndefined();
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 1, window, undefined, NO_JITTER)).toBeUndefined();
  });

  it('gives up when a Retry-After pushes the next attempt past the window', () => {
    const elapsed = 3 * DAY - HOUR;
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 2, elapsed, undefined, NO_JITTER)).toBe(5 * MINUTE);
    expect(nextDelayMs(DEFAULT_RETRY_POLICY, 2, elapsed, 2 * HOUR, NO_JITTER)).toBeUndefined();
  });

  it('honours a custom window', () => {
    const short: RetryPolicy = { ...DEFAULT_RETRY_POLICY, windowMs: parseDuration('1h') };
    expect(nextDelayMs(short, 3, 0, undefined, NO_JITTER)).toBe(30 * MINUTE);
    expect(nextDelayMs(short, 4, 0, undefined, NO_JITTER)).toBeUndefined();
  });
});

describe('the default schedule end to end', () => {
  it('makes the list’s attempts, then daily ones, until the 3-day window is spent', () => {
    const policy = DEFAULT_RETRY_POLICY;
    // The delays of the list after attempt 1 (which starts at once): 5 s + 5 m + 30 m + 2 h + 5 h + 10 h + 10 h.
    const listed = policy.scheduleMs.slice(1).reduce((sum, ms) => sum + ms, 0);
    expect(listed).toBe(27 * HOUR + 35 * MINUTE + 5 * SECOND);
    expect(listed / HOUR).toBeCloseTo(27.58, 2);
    const dailyAfterList = Math.floor((policy.windowMs - listed) / DAY);
    const expectedAttempts = policy.scheduleMs.length + dailyAfterList;
    expect(dailyAfterList).toBe(1);
    expect(expectedAttempts).toBe(9);

    const times = attemptTimes(policy, NO_JITTER);
    expect(times).toHaveLength(expectedAttempts);
    expect(times.slice(0, policy.scheduleMs.length)).toEqual(
      policy.scheduleMs.map((_, i) => policy.scheduleMs.slice(1, i + 1).reduce((sum, ms) => sum + ms, 0)),
    );
    expect(times[times.length - 1]).toBe(listed + DAY);
    for (const time of times) expect(time).toBeLessThanOrEqual(policy.windowMs);
    // One more day would overshoot the window.
    expect((times[times.length - 1] as number) + DAY).toBeGreaterThan(policy.windowMs);
  });

  it('stays within the window whatever the jitter does', () => {
    for (const random of [MOST_NEGATIVE, NO_JITTER, MOST_POSITIVE, Math.random]) {
      const times = attemptTimes(DEFAULT_RETRY_POLICY, random);
      expect(times.length).toBeGreaterThanOrEqual(8);
      expect(times.length).toBeLessThanOrEqual(10);
      for (const time of times) expect(time).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.windowMs);
    }
    // Always -20%: the list takes 22.07 h, then 19.2 h steps fit twice more into 72 h.
    expect(attemptTimes(DEFAULT_RETRY_POLICY, MOST_NEGATIVE)).toHaveLength(10);
    // Always +20%: the list takes 33.1 h, then a 28.8 h step fits once more.
    expect(attemptTimes(DEFAULT_RETRY_POLICY, MOST_POSITIVE)).toHaveLength(9);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1500, '1500ms'],
    [90_000, '90s'],
    [7_200_000, '2h'],
    [30 * DAY, '30d'],
  ])('writes %i ms as %s, which parseDuration reads back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
