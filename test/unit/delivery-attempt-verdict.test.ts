import { describe, expect, it } from 'vitest';
import {
  attemptHealth,
  healthUnchanged,
  judgeAttempt,
  loggedAttempt,
  SLOW_ATTEMPT_MS,
  type VerdictInput,
} from '../../src/delivery/attempt-verdict.js';
import type { AttemptOutcome } from '../../src/delivery/send.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

/** A verdict on `outcome` for a healthy endpoint, with a schedule that retries in 5 s unless told otherwise. */
const judge = (outcome: AttemptOutcome, over: Partial<VerdictInput> = {}) =>
  judgeAttempt({
    result: { outcome, durationMs: 12 },
    failingSince: null,
    disableAfterMs: 5 * 24 * HOUR,
    now: NOW,
    nextDelayMs: (retryAfterMs) => retryAfterMs ?? 5_000,
    ...over,
  });

describe('judgeAttempt', () => {
  it('finishes a delivery on a 2xx, and fails it on a refusal that retrying cannot fix', () => {
    expect(judge({ kind: 'delivered', statusCode: 204 })).toEqual({ kind: 'finished', status: 'DELIVERED' });
    expect(judge({ kind: 'rejected', statusCode: 400 })).toEqual({ kind: 'finished', status: 'FAILED' });
    expect(judge({ kind: 'forbidden' })).toEqual({ kind: 'finished', status: 'FAILED' });
  });

  it('retries on the schedule, honouring Retry-After, and gives up past the window', () => {
    expect(judge({ kind: 'retry', statusCode: 503 })).toEqual({ kind: 'retry', delayMs: 5_000 });
    expect(judge({ kind: 'retry', statusCode: 429, retryAfterMs: 60_000 })).toEqual({ kind: 'retry', delayMs: 60_000 });
    expect(judge({ kind: 'retry' }, { nextDelayMs: () => undefined })).toEqual({ kind: 'finished', status: 'FAILED' });
  });

  it('disables the endpoint on 410 Gone', () => {
    expect(judge({ kind: 'gone', statusCode: 410 })).toEqual({
      kind: 'disable',
      reason: 'the endpoint answered 410 Gone',
    });
  });

  it('disables an endpoint failing without a break for DISABLE_AFTER, whatever this attempt got', () => {
    const failingSince = new Date(NOW - 6 * 24 * HOUR);
    expect(judge({ kind: 'retry', statusCode: 500 }, { failingSince })).toEqual({
      kind: 'disable',
      reason: `failing without a break since ${failingSince.toISOString()}`,
    });
    const recently = new Date(NOW - HOUR);
    expect(judge({ kind: 'retry', statusCode: 500 }, { failingSince: recently })).toEqual({
      kind: 'retry',
      delayMs: 5_000,
    });
  });
});

describe('loggedAttempt', () => {
  it('names a failure without a message by its status, and keeps the receiver’s words when there are some', () => {
    expect(loggedAttempt(3, { outcome: { kind: 'rejected', statusCode: 422 }, durationMs: 8 })).toEqual({
      number: 3,
      statusCode: 422,
      durationMs: 8,
      error: 'HTTP 422',
      responseSnippet: undefined,
    });
    expect(
      loggedAttempt(1, { outcome: { kind: 'retry' }, durationMs: 15_000, error: 'timed out after 15000 ms' }),
    ).toMatchObject({ statusCode: undefined, error: 'timed out after 15000 ms' });
    expect(
      loggedAttempt(2, { outcome: { kind: 'delivered', statusCode: 200 }, durationMs: 3, responseSnippet: 'ok' }),
    ).toMatchObject({ error: undefined, responseSnippet: 'ok' });
  });
});

describe('attemptHealth', () => {
  const delivered = { kind: 'delivered', statusCode: 200 } as const;
  const retry = { kind: 'retry', statusCode: 503 } as const;
  it('says the endpoint got through when any attempt did, and is slow when any answer took SLOW_ATTEMPT_MS', () => {
    expect(attemptHealth([{ outcome: retry, durationMs: 5 }])).toEqual({ succeeded: false, slow: false });
    expect(
      attemptHealth([
        { outcome: retry, durationMs: 5 },
        { outcome: delivered, durationMs: SLOW_ATTEMPT_MS - 1 },
      ]),
    ).toEqual({ succeeded: true, slow: false });
    expect(
      attemptHealth([
        { outcome: delivered, durationMs: 5 },
        { outcome: delivered, durationMs: SLOW_ATTEMPT_MS },
      ]),
    ).toEqual({ succeeded: true, slow: true });
  });
});

describe('healthUnchanged', () => {
  const healthy = { failing_since: null, slow_since: null };
  const since = new Date(NOW - HOUR);
  it('skips the write only for a healthy, quick endpoint whose attempts got through quickly', () => {
    expect(healthUnchanged(healthy, { succeeded: true, slow: false })).toBe(true);
    // Each of these starts or ends a streak or a slowness: written.
    expect(healthUnchanged(healthy, { succeeded: false, slow: false })).toBe(false);
    expect(healthUnchanged(healthy, { succeeded: true, slow: true })).toBe(false);
    expect(healthUnchanged({ ...healthy, failing_since: since }, { succeeded: true, slow: false })).toBe(false);
    expect(healthUnchanged({ ...healthy, slow_since: since }, { succeeded: true, slow: false })).toBe(false);
    expect(healthUnchanged(undefined, { succeeded: true, slow: false })).toBe(false);
  });
});
