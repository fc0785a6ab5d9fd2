import { Context } from '@temporalio/activity';
import type { EndpointId, EventId } from '../src/contract/ids.js';
import { attemptBatch, type DeliveryDeps, type DeliveryStatus } from '../src/delivery/attempt-pipeline.js';
import { heartbeating } from './deliver-event.js';

export interface DeliverEventsInput {
  tenantId: string;
  endpointId: EndpointId;
  /** Deliveries the causal order lets run at the same time (the workflow's in-flight limit bounds them). */
  eventIds: EventId[];
}

export interface DeliverEventsResult {
  /** Deliveries this attempt finished (or found finished). */
  finished: Record<EventId, DeliveryStatus>;
  /** Deliveries to try again, one by one on the retry schedule, after `inMs`; `attemptsMade` of this round so far. */
  retry: { eventIds: EventId[]; inMs: number; attemptsMade: number };
}

/**
 * One attempt at each of several deliveries to one endpoint (`attemptBatch`), as one activity instead of one per
 * event. A delivery that must be retried is handed back; the workflow retries it alone with `deliverEvent`, so a
 * failing event never holds back the others. Idempotent like `deliverEvent`: a finished delivery is not sent again.
 */
export function deliverEvents(deps: DeliveryDeps) {
  return async (input: DeliverEventsInput): Promise<DeliverEventsResult> => {
    // Attempt 2+ only after a crash or timeout: what the first attempt finished is read back as finished.
    const roundAttempt = Context.current().info.attempt;
    const decisions = await heartbeating(() =>
      attemptBatch(
        { ...deps, cancel: Context.current().cancellationSignal },
        input.tenantId,
        input.endpointId,
        input.eventIds,
        roundAttempt,
      ),
    );
    const result: DeliverEventsResult = { finished: {}, retry: { eventIds: [], inMs: 0, attemptsMade: roundAttempt } };
    for (const [eventId, decision] of decisions) {
      if ('status' in decision) {
        result.finished[eventId] = decision.status;
      } else {
        result.retry.eventIds.push(eventId);
        result.retry.inMs = Math.max(result.retry.inMs, decision.delayMs);
      }
    }
    return result;
  };
}
