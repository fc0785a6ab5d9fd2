import type { EventType } from '../src/contract/book.js';
import type { EventId } from '../src/contract/ids.js';
import {
  compact,
  deliveriesStatus,
  enqueue,
  finish,
  hasHeld,
  hasOpen,
  hasRunning,
  isFinished,
  nextToStart,
  recheckHeld,
  type DeliveriesStatus,
  type EndpointDeliveriesState,
  type HandedRetry,
} from './delivery-order.js';

// Bounds pending activities per endpoint and book far below Temporal's 2,000, even with the endpoint down for days.
export const MAX_IN_FLIGHT = 20;

/** What the workflow does once it has started `start`. */
export type Next =
  /** Every delivery finished, the book's last event among them: the workflow ends. */
  | { kind: 'close' }
  /** Past the history limit with nothing running: a new run takes over `carried`. */
  | { kind: 'continue-as-new'; carried: EndpointDeliveriesState }
  /** Deliveries are running or queued: wait for news (a signal, an attempt's end). */
  | { kind: 'wait' }
  /** Only held deliveries are left: wait for news, or look at them again after HELD_RECHECK (`recheckHeld`). */
  | { kind: 'wait-held' }
  /** Nothing open, the book not finished: wait for news, or close after IDLE_CLOSE. */
  | { kind: 'wait-idle' };

/** An event handed over for delivery; `redeliver` reopens one already finished or held (a manual retry, a recovery). */
export interface DeliveryRequest {
  eventId: EventId;
  type: EventType;
  redeliver?: boolean;
  /** Its first attempt was made elsewhere and failed: retry after this (absent from older histories). */
  retry?: HandedRetry;
}

/**
 * Everything the endpoint-deliveries workflow decides, as a pure class (no Temporal import, unit-tested without a
 * server): the workflow feeds it signals and attempt outcomes, and acts on `step()`. The causal order itself is in
 * delivery-order.ts.
 */
export class EndpointDeliveries {
  /** Something happened (a signal, an attempt's end) that `step()` has not looked at yet. */
  #news = false;

  constructor(readonly state: EndpointDeliveriesState) {}

  /** The enqueue signal: events not seen before are queued; a repeated one changes nothing. */
  receive(requests: DeliveryRequest[]): void {
    enqueue(this.state, requests);
    this.#news = true;
  }

  /** A delivery's attempts ended (or found it HELD). */
  finished(eventId: EventId, status: 'DELIVERED' | 'FAILED' | 'HELD'): void {
    finish(this.state, eventId, status);
    this.#news = true;
  }

  /** An activity ended without a result (it cannot, short of a bug): its deliveries still running are given up. */
  abandoned(eventIds: EventId[]): void {
    for (const eventId of eventIds)
      if (this.state.deliveries[eventId]?.phase === 'running') finish(this.state, eventId, 'FAILED');
    this.#news = true;
  }

  /** The workflow's wake-up condition: there is news `step()` has not looked at. */
  get hasNews(): boolean {
    return this.#news;
  }

  /** The DeliveryStatus and EventType search attributes: the status, and the event types held, sorted. */
  searchAttributes(): { status: DeliveriesStatus; types: EventType[] } {
    const types = [...new Set(Object.values(this.state.deliveries).map((d) => d.type))].sort();
    return { status: deliveriesStatus(this.state), types };
  }

  /**
   * Looks at everything: the deliveries that start now (marked running; none while `draining`, i.e. past the history
   * limit, so the running ones can finish before a continue-as-new) — `start` for a first attempt, `retry` for those
   * whose first attempt was made elsewhere — and what the workflow does next.
   */
  step(draining: boolean): { start: EventId[]; retry: Array<HandedRetry & { eventId: EventId }>; next: Next } {
    this.#news = false;
    const start: EventId[] = [];
    const retry: Array<HandedRetry & { eventId: EventId }> = [];
    for (const eventId of draining ? [] : nextToStart(this.state, MAX_IN_FLIGHT)) {
      const delivery = this.state.deliveries[eventId];
      if (!delivery) continue;
      delivery.phase = 'running';
      if (delivery.retry) retry.push({ eventId, ...delivery.retry });
      else start.push(eventId);
      // Once: a redelivery later makes a first attempt of its own.
      delete delivery.retry;
    }
    const open = hasOpen(this.state);
    const running = hasRunning(this.state);
    if (!open && isFinished(this.state)) return { start, retry, next: { kind: 'close' } };
    if (!running && draining) return { start, retry, next: { kind: 'continue-as-new', carried: compact(this.state) } };
    // Stays open while deliveries are held: a later event of the book must still wait for them.
    if (!running && hasHeld(this.state)) return { start, retry, next: { kind: 'wait-held' } };
    // Idle: an endpoint not subscribed to ANALYTICS_COMPLETED never hears the book's end. A later event starts a new
    // run; everything before it is already finished.
    return { start, retry, next: { kind: open ? 'wait' : 'wait-idle' } };
  }

  /** HELD_RECHECK passed without news: the held deliveries look at their rows again (see `recheckHeld`). */
  recheckHeld(): void {
    recheckHeld(this.state);
  }
}
