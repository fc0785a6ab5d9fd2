import { describe, expect, it } from 'vitest';
import { completionIfClean } from '../../workflows/book-completion.js';
import type { BookState, Effect } from '../../workflows/book-model.js';
import { applyBookInput, eventId, initialBookState } from '../../workflows/book-state.js';
import { takeBatch } from '../../workflows/effect-batches.js';

const BOOK = '0b9d4c3e-2f1a-4e6b-8c7d-5a4b3c2d1e0f';
const AT = '2026-12-04T10:00:00.000Z';
const LATER = '2026-12-04T10:00:05.000Z';
const doc = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** A book of `docs` documents, each decided, then sealed: what it holds when its last check is due. */
function sealedBook(docs: number): { state: BookState; pending: Effect[] } {
  const state = initialBookState({ tenantId: 'acme', bookUuid: BOOK, name: 'book', metadata: {}, createdAt: AT });
  const pending: Effect[] = [];
  for (let n = 1; n <= docs; n++) {
    pending.push(...applyBookInput(state, { type: 'verification', docUuid: doc(n), result: 'SUCCEEDED' }, AT));
  }
  pending.push(...applyBookInput(state, { type: 'seal', by: 'request' }, AT));
  return { state, pending };
}

describe('the completion decided for a check that finds nothing', () => {
  it('is what the book decides when the check comes back empty: the same events, at the same time', () => {
    const { state, pending } = sealedBook(3);
    const batch = takeBatch(pending);
    expect(batch.reconcile).toBe(true);
    const plan = completionIfClean(state, pending, LATER);
    if (!plan) throw new Error('expected a plan');
    // Decided on a copy: the book itself is still sealed, waiting for its check.
    expect(state.status).toBe('SEALED');
    expect(plan.completion.events.map((event) => event.eventId)).toEqual([eventId(BOOK, 'BOOK_COMPLETE')]);
    expect(plan.completion).toMatchObject({ status: 'COMPLETE', counts: { total: 3, verified: 3, verifying: 0 } });
    expect(plan.completion.analytics.events.map((event) => event.type)).toEqual(['ANALYTICS_COMPLETED']);
    expect(plan.completion.analytics.status).toBe('ANALYTICS_COMPLETE');

    // The book applying the plan's inputs at its time decides exactly what the recording recorded.
    const decided = plan.inputs.flatMap((input) => applyBookInput(state, input, plan.at));
    const events = decided.flatMap((effect) => (effect.type === 'record_event' ? [effect.event] : []));
    expect(events).toEqual([...plan.completion.events, ...plan.completion.analytics.events]);
    expect(state).toMatchObject({ status: 'ANALYTICS_COMPLETE', completedAt: LATER, analyzedAt: LATER });
  });

  it('is none while something else is to be recorded first, a document is verifying, or the book is open', () => {
    const { state, pending } = sealedBook(2);
    expect(completionIfClean(state, pending, LATER)).toBeUndefined(); // events still to record before the check
    takeBatch(pending);
    expect(completionIfClean(state, pending, LATER)).toBeDefined();

    const verifying = sealedBook(2);
    applyBookInput(verifying.state, { type: 'documents', count: 3 }, AT);
    takeBatch(verifying.pending);
    expect(completionIfClean(verifying.state, verifying.pending, LATER)).toBeUndefined();

    const open = initialBookState({ tenantId: 'acme', bookUuid: BOOK, name: 'book', metadata: {}, createdAt: AT });
    applyBookInput(open, { type: 'verification', docUuid: doc(1), result: 'FAILED' }, AT);
    expect(completionIfClean(open, [], LATER)).toBeUndefined();
  });
});
