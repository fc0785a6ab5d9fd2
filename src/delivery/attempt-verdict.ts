import type { LoggedAttempt } from '../db/delivery-records.js';
import type { AttemptHealth } from '../db/endpoint-health.js';
import type { AttemptResult } from './send.js';
import { statusOf } from './send-to-endpoint.js';

/** What an attempt's answer means for its delivery and its endpoint. */
export type Verdict =
  /** The delivery is over: the attempt is recorded with this status. */
  | { kind: 'finished'; status: 'DELIVERED' | 'FAILED' }
  /** Tried again after `delayMs`, on the retry schedule. */
  | { kind: 'retry'; delayMs: number }
  /** The endpoint is disabled for `reason`: this delivery is held with every other one of it until re-enabled. */
  | { kind: 'disable'; reason: string };

export interface VerdictInput {
  result: AttemptResult;
  /** Since when the endpoint has failed without a break, this attempt included (null: it is healthy). */
  failingSince: Date | null;
  /** An endpoint failing without a break this long is disabled. */
  disableAfterMs: number;
  now: number;
  /** The retry schedule's next delay, or undefined past the delivery window (see retry-schedule.ts). */
  nextDelayMs: (retryAfterMs: number | undefined) => number | undefined;
}

/**
 * An attempt answered after this long is slow: its endpoint gets its next first attempts from its delivery workflow,
 * not from the activity recording a book's events, where a slow answer would hold up the book's next recording and so
 * every other endpoint's next event (subscribedEndpoints in src/db/endpoint-fan-out.ts). A fast answer ends that.
 */
export const SLOW_ATTEMPT_MS = 1_000;

/** What attempts say of their endpoint's health: any got through; any answered slowly. */
export function attemptHealth(results: AttemptResult[]): AttemptHealth {
  return {
    succeeded: results.some((result) => result.outcome.kind === 'delivered'),
    slow: results.some((result) => result.durationMs >= SLOW_ATTEMPT_MS),
  };
}

/**
 * Whether recording `health` would change nothing: the endpoint was neither failing nor slow when its attempts
 * started, and these got through quickly. The common case skips the statement; a streak another worker started
 * meanwhile is then ended by the endpoint's next success instead of this one.
 */
export function healthUnchanged(
  endpoint: { failing_since: Date | null; slow_since: Date | null } | undefined,
  health: AttemptHealth,
): boolean {
  return endpoint?.failing_since === null && endpoint.slow_since === null && health.succeeded && !health.slow;
}

/** Stage 4 of an attempt (attempt-pipeline.ts), as a pure function: from the answer and the endpoint's health to what happens next. */
export function judgeAttempt({ result, failingSince, disableAfterMs, now, nextDelayMs }: VerdictInput): Verdict {
  const { outcome } = result;
  if (failingSince && now - failingSince.getTime() >= disableAfterMs) {
    return { kind: 'disable', reason: `failing without a break since ${failingSince.toISOString()}` };
  }
  switch (outcome.kind) {
    case 'delivered':
      return { kind: 'finished', status: 'DELIVERED' };
    case 'gone':
      return { kind: 'disable', reason: 'the endpoint answered 410 Gone' };
    case 'rejected':
    case 'forbidden':
      return { kind: 'finished', status: 'FAILED' };
    case 'retry': {
      const delayMs = nextDelayMs(outcome.retryAfterMs);
      return delayMs === undefined ? { kind: 'finished', status: 'FAILED' } : { kind: 'retry', delayMs };
    }
  }
}

/** The attempt as the log keeps it: a failure without an error message is named by its status. */
export function loggedAttempt(number: number, result: AttemptResult): LoggedAttempt {
  const statusCode = statusOf(result);
  return {
    number,
    statusCode,
    durationMs: result.durationMs,
    error: result.error ?? (result.outcome.kind === 'delivered' ? undefined : `HTTP ${statusCode ?? ''}`.trim()),
    responseSnippet: result.responseSnippet,
  };
}
