import type { EventType } from '../contract/book.js';
import type { EndpointId, EventId } from '../contract/ids.js';
import { EndpointDeliveries, type DeliveryRequest } from '../../workflows/endpoint-deliveries-state.js';
import { attemptBatch, type DeliveryDeps } from './attempt-pipeline.js';

/**
 * How long the recording activity keeps starting first attempts: past it, what has not started goes to the delivery
 * workflow unattempted (a slow receiver delays the book's next recording by at most this and one attempt).
 */
export const DIRECT_BUDGET_MS = 5_000;

/**
 * The first attempt at a batch of a book's deliveries to one endpoint, made by the activity that recorded their events,
 * in the causal order (workflows/delivery-order.ts: results in parallel, at most MAX_IN_FLIGHT at a time; the book's
 * events after them), through the usual attempt pipeline. Returns what is left for the endpoint's delivery workflow:
 * deliveries to retry (with their delay and attempt count), and those their order or the budget kept from starting.
 * The caller has checked that nothing else of the book is open for the endpoint (src/db/direct-deliveries.ts).
 */
export async function deliverDirectly(
  deps: DeliveryDeps,
  target: { tenantId: string; endpointId: EndpointId; bookUuid: string },
  events: Array<{ eventId: EventId; type: EventType }>,
  budgetMs = DIRECT_BUDGET_MS,
): Promise<DeliveryRequest[]> {
  // The delivery workflow's own decisions, started afresh: what may start, and when the book's events may follow.
  const order = new EndpointDeliveries({ ...target, deliveries: {} });
  order.receive(events);
  const retries = new Map<EventId, { inMs: number; attemptsMade: number }>();
  const stopAt = Date.now() + budgetMs;
  // Deliveries to retry stay `running`: what the order makes wait for them is left to the workflow.
  while (Date.now() < stopAt) {
    const { start } = order.step(false);
    if (start.length === 0) break;
    const decisions = await attemptBatch(deps, target.tenantId, target.endpointId, start, 1);
    for (const [eventId, decision] of decisions) {
      if ('status' in decision) order.finished(eventId, decision.status);
      else retries.set(eventId, { inMs: decision.delayMs, attemptsMade: 1 });
    }
  }
  return events.flatMap((event): DeliveryRequest[] => {
    const phase = order.state.deliveries[event.eventId]?.phase;
    if (phase === 'DELIVERED' || phase === 'FAILED') return [];
    const retry = retries.get(event.eventId);
    return [{ ...event, ...(retry ? { retry } : {}) }];
  });
}
