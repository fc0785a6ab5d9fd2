import type { EventType } from '../contract/book.js';
import type { EndpointId, EventId } from '../contract/ids.js';
import { insertAttemptedDeliveries } from '../db/delivery-records.js';
import type { EventPayload } from '../events/payloads.js';
import { EndpointDeliveries, type DeliveryRequest } from '../../workflows/endpoint-deliveries-state.js';
import { attemptLoaded, type AttemptLog, type DeliveryDeps, type LoadedDelivery } from './attempt-pipeline.js';
import type { Endpoint } from './send-to-endpoint.js';

/**
 * How long the recording activity keeps starting first attempts: past it, what has not started goes to the delivery
 * workflow unattempted (a slow receiver delays the book's next recording by at most this and one attempt).
 */
export const DIRECT_BUDGET_MS = 5_000;

/**
 * The first attempt at a batch of a book's deliveries to one endpoint, made by the activity that recorded their events,
 * in the causal order (workflows/delivery-order.ts: results in parallel, at most MAX_IN_FLIGHT at a time; the book's
 * events after them), through the usual attempt pipeline. A delivery's row is written once, after its attempt, with
 * its outcome and attempt log (insertAttemptedDeliveries); those not attempted are written before this returns. Returns
 * what is left for the endpoint's delivery workflow: deliveries to retry (with their delay and attempt count), and
 * those their order, the budget, or the endpoint turned off meanwhile kept from starting. The caller has checked that
 * the endpoint may be delivered to at once (subscribedEndpoints' `direct`) and hands the events' stored bodies.
 */
export async function deliverDirectly(
  deps: DeliveryDeps,
  target: { tenantId: string; endpointId: EndpointId; bookUuid: string },
  endpoint: Endpoint,
  events: Array<{ eventId: EventId; type: EventType; payload: EventPayload }>,
  budgetMs = DIRECT_BUDGET_MS,
): Promise<DeliveryRequest[]> {
  // The delivery workflow's own decisions, started afresh: what may start, and when the book's events may follow.
  const order = new EndpointDeliveries({ ...target, deliveries: {} });
  order.receive(events.map(({ eventId, type }) => ({ eventId, type })));
  const now = new Date();
  // As the row will be once written: PENDING, no attempt yet, its round starting now.
  const deliveries = new Map(
    events.map((event): [EventId, LoadedDelivery] => [
      event.eventId,
      {
        event_id: event.eventId,
        endpoint_id: target.endpointId,
        book_uuid: target.bookUuid,
        event_type: event.type,
        status: 'PENDING',
        attempts: 0,
        last_status_code: null,
        last_error: null,
        created_at: now,
        finished_at: null,
        round_base: 0,
        round_started_at: now,
        rate_waits: 0,
        payload: event.payload,
      },
    ]),
  );
  const written = new Set<string>();
  let sends = true;
  const write = async (attempts: Array<Pick<AttemptLog, 'eventId'> & Partial<AttemptLog>>) => {
    const rows = attempts.map((a) => ({
      ...a,
      eventType: deliveries.get(a.eventId as EventId)?.event_type as EventType,
    }));
    sends = await insertAttemptedDeliveries(deps.pool, target, rows);
    for (const a of attempts) written.add(a.eventId);
  };
  const retries = new Map<EventId, { inMs: number; attemptsMade: number }>();
  const stopAt = Date.now() + budgetMs;
  // Deliveries to retry stay `running`: what the order makes wait for them is left to the workflow. An endpoint that
  // stopped sending (paused, disabled, deleted: its deliveries were written HELD) gets no further attempt here.
  while (sends && Date.now() < stopAt) {
    const { start } = order.step(false);
    if (start.length === 0) break;
    const decisions = await attemptLoaded(deps, target, start, 1, { deliveries, endpoint }, write);
    for (const [eventId, decision] of decisions) {
      if ('status' in decision) order.finished(eventId, decision.status);
      else retries.set(eventId, { inMs: decision.delayMs, attemptsMade: 1 });
    }
  }
  const unattempted = events.filter((event) => !written.has(event.eventId));
  if (unattempted.length > 0) await write(unattempted.map((event) => ({ eventId: event.eventId })));
  return events.flatMap((event): DeliveryRequest[] => {
    const phase = order.state.deliveries[event.eventId]?.phase;
    if (phase === 'DELIVERED' || phase === 'FAILED') return [];
    const retry = retries.get(event.eventId);
    return [{ eventId: event.eventId, type: event.type, ...(retry ? { retry } : {}) }];
  });
}
