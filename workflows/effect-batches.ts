import type { DocumentCounts } from '../src/contract/book.js';
import type { BookState, Effect, EmittedEvent } from './book-model.js';

/** Events recorded by one activity call: large enough for a 10,000-document burst, small enough for one payload. */
export const MAX_EVENTS_PER_BATCH = 200;

export interface EffectBatch {
  events: EmittedEvent[];
  /** The book's status and counts after this batch, mirrored into Postgres with its events. */
  status?: { status: BookState['status']; counts: DocumentCounts };
  /** When and how the book sealed, if it did in this batch (the read model shows sealed_at and sealed_by). */
  sealed?: { at: string; by: 'request' | 'seal_after' };
  /** Analytics run after this batch is recorded (BOOK_COMPLETE is always recorded first). */
  runAnalytics: boolean;
  /** The intake log is checked after this batch is recorded, so the check sees every event decided before it. */
  reconcile: boolean;
  /** A one-line label for the activity in the Temporal UI. */
  summary: string;
  /** The effects taken, in order (a recording that records nothing puts them back). */
  taken: Effect[];
}

/** Removes the next batch from the front of `pending`, in order: up to analytics, a check or the size limit. */
export function takeBatch(pending: Effect[]): EffectBatch {
  const batch: EffectBatch = { events: [], runAnalytics: false, reconcile: false, summary: '', taken: [] };
  let taken = 0;
  // One splice at the end, not a shift per effect: a burst leaves thousands pending, and each shift moves them all.
  while (taken < pending.length && batch.events.length < MAX_EVENTS_PER_BATCH) {
    const effect = pending[taken++] as Effect;
    if (effect.type === 'run_analytics' || effect.type === 'reconcile') {
      batch.runAnalytics = effect.type === 'run_analytics';
      batch.reconcile = effect.type === 'reconcile';
      break;
    }
    if (effect.type === 'record_event') {
      batch.events.push(effect.event);
      batch.status = { status: effect.event.bookStatus, counts: effect.event.counts };
    } else {
      batch.status = { status: effect.status, counts: effect.counts };
      if (effect.at && effect.by) batch.sealed = { at: effect.at, by: effect.by };
    }
  }
  batch.taken = pending.splice(0, taken);
  batch.summary = summarize(batch);
  return batch;
}

function summarize(batch: EffectBatch): string {
  const byType = new Map<string, number>();
  for (const event of batch.events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
  const events = [...byType].map(([type, count]) => (count > 1 ? `${type} ×${count}` : type)).join(', ');
  return `record ${events || 'no events'} → book ${batch.status?.status ?? 'unchanged'}`;
}
