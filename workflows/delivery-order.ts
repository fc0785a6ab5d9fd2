import type { EventType } from '../src/contract/book.js';
import type { EndpointId, EventId } from '../src/contract/ids.js';

/**
 * Causal order of one book's deliveries to one endpoint, as a pure function: VERIFICATION_COMPLETE deliveries run in
 * parallel; BOOK_COMPLETE starts only when every VERIFICATION_COMPLETE delivery has finished (delivered or finally
 * failed); ANALYTICS_COMPLETED only after BOOK_COMPLETE. A HELD delivery (its endpoint is paused or disabled) has not
 * finished: what comes after it waits until a resume or recovery releases it (`enqueue` with `redeliver`).
 */
export type DeliveryPhase = 'queued' | 'running' | 'HELD' | 'DELIVERED' | 'FAILED';

/** One endpoint's deliveries of one book, as the workflow holds (and carries across continue-as-new) them. */
export interface EndpointDeliveriesState {
  tenantId: string;
  /** The endpoint's id (named as in the workflow's recorded inputs). */
  endpointId: EndpointId;
  bookUuid: string;
  /** Event id → its type and where its delivery is, in arrival order. */
  deliveries: Record<EventId, { type: EventType; phase: DeliveryPhase; again?: boolean; retry?: HandedRetry }>;
}

/**
 * A delivery whose first attempt was made at once by the activity that recorded its event (see
 * src/delivery/deliver-directly.ts) and failed: its retries go on here, after `inMs`, counting `attemptsMade`.
 */
export interface HandedRetry {
  inMs: number;
  attemptsMade: number;
}

/** How an endpoint's deliveries of a book stand, for the DeliveryStatus search attribute. */
export type DeliveriesStatus = 'DELIVERING' | 'HELD' | 'FAILED' | 'DELIVERED';

const RANK: Record<EventType, number> = { VERIFICATION_COMPLETE: 0, BOOK_COMPLETE: 1, ANALYTICS_COMPLETED: 2 };

/** Adds events not seen before (a repeated fan-out changes nothing); `redeliver` reopens a finished or held one. */
export function enqueue(
  state: EndpointDeliveriesState,
  events: Array<{ eventId: EventId; type: EventType; redeliver?: boolean; retry?: HandedRetry }>,
): void {
  for (const { eventId, type, redeliver, retry } of events) {
    const known = state.deliveries[eventId];
    if (!known) state.deliveries[eventId] = { type, phase: 'queued', ...(retry ? { retry } : {}) };
    else if (redeliver && (known.phase === 'DELIVERED' || known.phase === 'FAILED' || known.phase === 'HELD')) {
      known.phase = 'queued';
    }
    // Still running (its database row may already say finished): deliver it again once this attempt ends.
    else if (redeliver && known.phase === 'running') known.again = true;
  }
}

/** The deliveries that may start now, at most `maxInFlight` running at once. */
export function nextToStart(state: EndpointDeliveriesState, maxInFlight: number): EventId[] {
  const entries = Object.entries(state.deliveries) as Array<[EventId, EndpointDeliveriesState['deliveries'][EventId]]>;
  const open = entries.filter(([, d]) => d.phase === 'queued' || d.phase === 'running' || d.phase === 'HELD');
  if (open.length === 0) return [];
  const lowestOpenRank = Math.min(...open.map(([, d]) => RANK[d.type]));
  const running = open.filter(([, d]) => d.phase === 'running').length;
  return open
    .filter(([, d]) => d.phase === 'queued' && RANK[d.type] === lowestOpenRank)
    .slice(0, Math.max(0, maxInFlight - running))
    .map(([eventId]) => eventId);
}

/** Some delivery is still queued or running (a HELD one waits for a release: see `hasHeld`). */
export function hasOpen(state: EndpointDeliveriesState): boolean {
  return Object.values(state.deliveries).some((d) => d.phase === 'queued' || d.phase === 'running');
}

/** Some delivery is being attempted (an activity, or a timer before its next attempt, is on its way). */
export function hasRunning(state: EndpointDeliveriesState): boolean {
  return Object.values(state.deliveries).some((d) => d.phase === 'running');
}

/** Some delivery waits for its endpoint to be turned on again. */
export function hasHeld(state: EndpointDeliveriesState): boolean {
  return Object.values(state.deliveries).some((d) => d.phase === 'HELD');
}

/**
 * Tries the HELD deliveries again: each finds its row still HELD (and stays so), released, or gone with its deleted
 * endpoint (FAILED), so the deliveries of a deleted endpoint end.
 */
export function recheckHeld(state: EndpointDeliveriesState): void {
  for (const delivery of Object.values(state.deliveries)) if (delivery.phase === 'HELD') delivery.phase = 'queued';
}

/** The book's last event has been delivered (or given up): nothing more will come for this endpoint. */
export function isFinished(state: EndpointDeliveriesState): boolean {
  return Object.values(state.deliveries).some(
    (d) => d.type === 'ANALYTICS_COMPLETED' && (d.phase === 'DELIVERED' || d.phase === 'FAILED'),
  );
}

/** DELIVERING while any is running, HELD while any waits for its endpoint, DELIVERING while any is queued, then
 * FAILED when any delivery was given up, else DELIVERED. */
export function deliveriesStatus(state: EndpointDeliveriesState): DeliveriesStatus {
  const phases = Object.values(state.deliveries).map((d) => d.phase);
  if (phases.includes('running')) return 'DELIVERING';
  if (phases.includes('HELD')) return 'HELD';
  if (phases.includes('queued')) return 'DELIVERING';
  return phases.includes('FAILED') ? 'FAILED' : 'DELIVERED';
}

/** Records how a delivery's attempts ended; one asked to be redelivered meanwhile goes back in the queue. */
export function finish(state: EndpointDeliveriesState, eventId: EventId, phase: 'DELIVERED' | 'FAILED' | 'HELD'): void {
  const delivery = state.deliveries[eventId];
  if (!delivery) return;
  delivery.phase = delivery.again ? 'queued' : phase;
  delete delivery.again;
}

/**
 * The state a new run needs: open and held deliveries, and the book-level ones (for the order and the end). Finished
 * VERIFICATION_COMPLETE deliveries are dropped — 10,000 of them would crowd the 2 MB input — which is safe: a repeated
 * hand-over of one finds its row finished in the database and sends nothing.
 */
export function compact(state: EndpointDeliveriesState): EndpointDeliveriesState {
  const deliveries = Object.fromEntries(
    Object.entries(state.deliveries).filter(
      ([, d]) => d.type !== 'VERIFICATION_COMPLETE' || !(d.phase === 'DELIVERED' || d.phase === 'FAILED'),
    ),
  );
  return { ...state, deliveries };
}
