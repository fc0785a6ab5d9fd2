import { describe, expect, it } from 'vitest';
import { bookOutcome, type BookInput, type BookState, type UnrecordedResult } from '../../workflows/book-model.js';
import { applyBookInput, eventId, initialBookState } from '../../workflows/book-state.js';

const BOOK = '0b9d4c3e-2f1a-4e6b-8c7d-5a4b3c2d1e0f';
const AT = '2026-12-04T10:00:00.000Z';
const doc = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const newBook = () => initialBookState({ tenantId: 'acme', bookUuid: BOOK, name: 'book', metadata: {}, createdAt: AT });
const apply = (state: BookState, input: BookInput) => applyBookInput(state, input, AT);
const read = (
  results: UnrecordedResult[],
  documents: number,
  sealRequested = false,
): Extract<BookInput, { type: 'logged' }> => ({
  type: 'logged',
  results,
  documents,
  sealRequested,
  ...(results.length > 0 ? { through: results.at(-1)?.resultId } : {}),
});

describe('a read of the intake log (logged)', () => {
  it('applies results stored without a signal in their order, counting uploads that woke no book', () => {
    const state = newBook();
    const effects = apply(
      state,
      read(
        [
          { docUuid: doc(1), result: 'SUCCEEDED', resultId: '11' },
          { docUuid: doc(2), result: 'FAILED', resultId: '12' },
        ],
        3,
      ),
    );
    expect(effects.map((effect) => (effect.type === 'record_event' ? effect.event.docUuid : effect.type))).toEqual([
      doc(1),
      doc(2),
    ]);
    // Each event counts every upload stored before it: three documents, the third still verifying.
    const last = effects.at(-1);
    expect(last?.type === 'record_event' && last.event.counts).toEqual({
      total: 3,
      verifying: 1,
      verified: 1,
      rejected: 1,
    });
    expect(state.logReadThrough).toBe('12');
    expect(state.ignoredCount).toBe(0);
  });

  it('takes a result it already decided the same way (from a check of the log too) as nothing new', () => {
    const state = newBook();
    apply(state, { type: 'documents', count: 1 });
    apply(state, { type: 'verification', docUuid: doc(1), result: 'SUCCEEDED', resultId: '4' });
    const effects = apply(state, read([{ docUuid: doc(1), result: 'SUCCEEDED', resultId: '4' }], 1));
    expect(effects).toEqual([]);
    expect(state.ignoredCount).toBe(0);
    expect(state.counts).toEqual({ total: 1, verifying: 0, verified: 1, rejected: 0 });
  });

  it('ignores, visibly, a conflicting result read from the log, as one sent by signal', () => {
    const state = newBook();
    apply(state, { type: 'verification', docUuid: doc(1), result: 'SUCCEEDED', resultId: '4' });
    expect(apply(state, read([{ docUuid: doc(1), result: 'FAILED', resultId: '9' }], 1))).toEqual([]);
    expect(state.ignoredCount).toBe(1);
    expect(state.ignored[0]?.reason).toContain('conflicting result FAILED');
    expect(state.logReadThrough).toBe('9');
  });

  it('seals on a seal request read after the results stored before it, and checks the log before BOOK_COMPLETE', () => {
    const state = newBook();
    apply(state, { type: 'upload', docUuid: doc(1) });
    const effects = apply(state, read([{ docUuid: doc(1), result: 'SUCCEEDED', resultId: '2' }], 1, true));
    expect(effects.map((effect) => effect.type)).toEqual(['record_event', 'record_status', 'reconcile']);
    expect(state.status).toBe('SEALED');
    // A seal request read again once the book knows it is sealed changes nothing.
    expect(apply(state, read([], 1, true))).toEqual([]);
    const done = apply(state, { type: 'reconciled', results: [], uploads: [], sealRequested: true });
    expect(done.map((effect) => (effect.type === 'record_event' ? effect.event.eventId : effect.type))).toEqual([
      eventId(BOOK, 'BOOK_COMPLETE'),
      'run_analytics',
    ]);
  });

  it('a completed book takes nothing more from a read: a result for a document it does not hold is ignored', () => {
    const state = newBook();
    apply(state, { type: 'seal', by: 'request' });
    apply(state, { type: 'reconciled', results: [], uploads: [], sealRequested: true });
    expect(state.status).toBe('COMPLETE');
    expect(apply(state, read([{ docUuid: doc(5), result: 'SUCCEEDED', resultId: '30' }], 1))).toEqual([]);
    expect(state.counts.total).toBe(0);
    expect(state.ignored.at(-1)?.reason).toBe('result for a document the completed book does not hold');
  });

  it('keeps where it read to out of the book outcome', () => {
    const state = newBook();
    apply(state, read([{ docUuid: doc(1), result: 'SUCCEEDED', resultId: '77' }], 1));
    expect(state.logReadThrough).toBe('77');
    expect(bookOutcome(state)).not.toHaveProperty('logReadThrough');
  });
});
