import { Context } from '@temporalio/activity';
import { findDeliveries, recordAttempts } from '../src/db/deliveries.js';
import { findWebhookWithSecrets, recordEndpointHealth } from '../src/db/webhooks.js';
import {
  attemptDelivery,
  heartbeating,
  willSend,
  type AttemptWrites,
  type DeliveryDeps,
  type DeliveryStatus,
} from './deliver-event.js';

export interface DeliverEventsInput {
  tenantId: string;
  webhookId: string;
  /** Deliveries the causal order lets run at the same time (the mailbox's in-flight limit bounds them). */
  eventIds: string[];
}

export interface DeliverEventsResult {
  /** Deliveries this attempt finished (or found finished). */
  finished: Record<string, DeliveryStatus>;
  /** Deliveries to try again, one by one on the retry schedule, after `inMs`; `attemptsMade` of this round so far. */
  retry: { eventIds: string[]; inMs: number; attemptsMade: number };
}

/** Collects one item from each of `expected` callers, then runs `flush` once with all of them; all get its result. */
function gather<T, R>(expected: number, flush: (items: T[]) => Promise<R>): (item: T) => Promise<R> {
  const items: T[] = [];
  let release: (items: T[]) => void = () => {};
  const done = new Promise<T[]>((resolve) => (release = resolve)).then(flush);
  return (item) => {
    items.push(item);
    if (items.length === expected) release(items);
    return done;
  };
}

/**
 * One attempt at each of several deliveries to one endpoint, all at once: one (local) activity instead of one per
 * event, with the same signing, attempt log and decisions as `deliverEvent` (`attemptDelivery`), and one statement
 * for the endpoint's health and one for all the attempts. A delivery that must be retried is handed back; the
 * workflow retries it alone with `deliverEvent`, so a failing event never holds back the others. Idempotent like
 * `deliverEvent`: a finished delivery is not sent again.
 */
export function deliverEvents(deps: DeliveryDeps) {
  return async (input: DeliverEventsInput): Promise<DeliverEventsResult> => {
    // Attempt 2+ only after a crash or timeout: what the first attempt finished is read back as finished.
    const roundAttempt = Context.current().info.attempt;
    const { tenantId, webhookId } = input;
    const [deliveries, webhook] = await Promise.all([
      findDeliveries(deps.pool, tenantId, webhookId, input.eventIds),
      findWebhookWithSecrets(deps.pool, tenantId, webhookId),
    ]);
    const byEventId = new Map(deliveries.map((delivery) => [delivery.event_id, delivery]));
    const sending = input.eventIds.filter((eventId) => willSend(byEventId.get(eventId), webhook)).length;
    // The streak ends if any delivery got through; it goes on (or starts) if none did.
    const health = gather(sending, (outcomes: boolean[]) =>
      recordEndpointHealth(deps.pool, tenantId, webhookId, outcomes.includes(true)),
    );
    const log = gather(sending, (attempts: Parameters<typeof recordAttempts>[3]) =>
      recordAttempts(deps.pool, tenantId, webhookId, attempts),
    );
    const writes: AttemptWrites = {
      health,
      log: (key, attempt, finish) => log({ eventId: key.eventId, attempt, ...(finish ? { finish } : {}) }),
    };

    const result: DeliverEventsResult = { finished: {}, retry: { eventIds: [], inMs: 0, attemptsMade: roundAttempt } };
    await heartbeating(() =>
      Promise.all(
        input.eventIds.map(async (eventId) => {
          const key = { tenantId, eventId, webhookId };
          const decision = await attemptDelivery(deps, key, byEventId.get(eventId), webhook, roundAttempt, writes);
          if ('status' in decision) {
            result.finished[eventId] = decision.status;
          } else {
            result.retry.eventIds.push(eventId);
            result.retry.inMs = Math.max(result.retry.inMs, decision.delayMs);
          }
        }),
      ),
    );
    return result;
  };
}
