import type { EventType } from '../src/contract/book.js';

/**
 * Causal order of one book's deliveries to one endpoint, as a pure function: VERIFICATION_COMPLETE deliveries run in
 * parallel; BOOK_COMPLETE starts only when every VERIFICATION_COMPLETE delivery has finished (delivered or finally
 * failed); ANALYTICS_COMPLETED only after BOOK_COMPLETE. A HELD delivery (its endpoint is paused or disabled) has not
 * finished: what comes after it waits until a resume or recovery releases it (`enqueue` with `redeliver`).
 */
export type DeliveryPhase = 'queued' | 'running' | 'HELD' | 'DELIVERED' | 'FAILED';

export interface MailboxState {
  tenantId: string;
  webhookId: string;
  bookUuid: string;
  /** Event id → its type and where its delivery is, in arrival order. */
  deliveries: Record<string, { type: EventType; phase: DeliveryPhase; again?: boolean }>;
}

const RANK: Record<EventType, number> = { VERIFICATION_COMPLETE: 0, BOOK_COMPLETE: 1, ANALYTICS_COMPLETED: 2 };

/** Adds events not seen before (a repeated fan-out changes nothing); `redeliver` reopens a finished or held one. */
export function enqueue(
  state: MailboxState,
  events: Array<{ eventId: string; type: EventType; redeliver?: boolean }>,
): void {
  for (const { eventId, type, redeliver } of events) {
    const known = state.deliveries[eventId];
    if (!known) state.deliveries[eventId] = { type, phase: 'queued' };
    else if (redeliver && (known.phase === 'DELIVERED' || known.phase === 'FAILED' || known.phase === 'HELD')) {
      known.phase = 'queued';
    }
    // Still running (its database row may already say finished): deliver it again once this attempt ends.
    else if (redeliver && known.phase === 'running') known.again = true;
  }
}

/** The deliveries that may start now, at most `maxInFlight` running at once. */
export function nextToStart(state: MailboxState, maxInFlight: number): string[] {
  const entries = Object.entries(state.deliveries);
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
export function hasOpen(state: MailboxState): boolean {
  return Object.values(state.deliveries).some((d) => d.phase === 'queued' || d.phase === 'running');
}

/** Some delivery waits for its endpoint to be turned on again. */
export function hasHeld(state: MailboxState): boolean {
  return Object.values(state.deliveries).some((d) => d.phase === 'HELD');
}

/**
 * Tries the HELD deliveries again: each finds its row still HELD (and stays so), released, or gone with its deleted
 * endpoint (FAILED), so a mailbox of a deleted endpoint ends.
 */
export function recheckHeld(state: MailboxState): void {
  for (const delivery of Object.values(state.deliveries)) if (delivery.phase === 'HELD') delivery.phase = 'queued';
}

/** The book's last event has been delivered (or given up): nothing more will come for this endpoint. */
export function isFinished(state: MailboxState): boolean {
  return Object.values(state.deliveries).some(
    (d) => d.type === 'ANALYTICS_COMPLETED' && (d.phase === 'DELIVERED' || d.phase === 'FAILED'),
  );
}

/** How the mailbox stands, for the DeliveryStatus search attribute: DELIVERING while any is running, HELD while any
 * waits for its endpoint, DELIVERING while any is queued, then FAILED when any delivery was given up, else DELIVERED. */
export function mailboxStatus(state: MailboxState): 'DELIVERING' | 'HELD' | 'FAILED' | 'DELIVERED' {
  const phases = Object.values(state.deliveries).map((d) => d.phase);
  if (phases.includes('running')) return 'DELIVERING';
  if (phases.includes('HELD')) return 'HELD';
  if (phases.includes('queued')) return 'DELIVERING';
  return phases.includes('FAILED') ? 'FAILED' : 'DELIVERED';
}

/** Records how a delivery's attempts ended; one asked to be redelivered meanwhile goes back in the queue. */
export function finish(state: MailboxState, eventId: string, phase: 'DELIVERED' | 'FAILED' | 'HELD'): void {
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
export function compact(state: MailboxState): MailboxState {
  const deliveries = Object.fromEntries(
    Object.entries(state.deliveries).filter(
      ([, d]) => d.type !== 'VERIFICATION_COMPLETE' || !(d.phase === 'DELIVERED' || d.phase === 'FAILED'),
    ),
  );
  return { ...state, deliveries };
}
