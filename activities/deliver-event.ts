import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { EndpointId, EventId } from '../src/contract/ids.js';
import { attemptOne, type DeliveryDeps, type DeliveryStatus } from '../src/delivery/attempt-pipeline.js';

const HEARTBEAT_INTERVAL_MS = 1000;

export interface DeliverEventInput {
  tenantId: string;
  eventId: EventId;
  endpointId: EndpointId;
  /** Attempts this round already made elsewhere (by a batch's one attempt, see deliver-events.ts). */
  attemptsBefore?: number;
}

/**
 * Heartbeats while `work` runs: a worker that dies mid-request has its attempt retried within seconds, and a
 * cancellation (which reaches an activity through its heartbeats) aborts the send in flight.
 */
export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * One attempt to deliver an event to an endpoint (src/delivery/attempt-pipeline.ts), as a Temporal activity: a
 * retryable failure throws with the next delay (`nextRetryDelay`) so Temporal's activity retries drive the schedule
 * — retries cost no history — and gives up, returning FAILED, past the delivery window. Waiting for the endpoint's
 * rate limit is such a retry too, one that is no delivery attempt. Idempotent: a finished
 * delivery is not sent again; the `webhook-id` is the event id on every attempt.
 */
export function deliverEvent(deps: DeliveryDeps) {
  return async (input: DeliverEventInput): Promise<DeliveryStatus> => {
    const key = { tenantId: input.tenantId, eventId: input.eventId, endpointId: input.endpointId };
    const roundAttempt = Context.current().info.attempt + (input.attemptsBefore ?? 0);
    const cancel = Context.current().cancellationSignal;
    const decision = await heartbeating(() => attemptOne({ ...deps, cancel }, key, roundAttempt));
    if ('status' in decision) return decision.status;
    throw ApplicationFailure.create({
      // A wait for the endpoint's rate limit is no failed delivery attempt (see attempt-pipeline.ts), only a later turn:
      // benign, it is logged at debug level and counts in no failure metric.
      type: decision.waited ? 'EndpointRateLimited' : 'DeliveryAttemptFailed',
      ...(decision.waited ? { category: ApplicationFailureCategory.BENIGN } : {}),
      message: decision.message,
      nextRetryDelay: decision.delayMs,
    });
  };
}
