import { describe, expect, it } from 'vitest';
import type { VerificationResult } from '../../src/contract/book.js';
import type { BookInput, BookState, Effect, UnrecordedResult } from '../../workflows/book-model.js';
import { applyBookInput, eventId, initialBookState } from '../../workflows/book-state.js';
import { seededRandom } from '../support/random.js';

const BOOK = '6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c';
const AT = '2026-12-01T10:00:00.000Z';
const doc = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const newBook = () => initialBookState({ tenantId: 'acme', bookUuid: BOOK, name: 'book', metadata: {}, createdAt: AT });
const apply = (state: BookState, input: BookInput) => applyBookInput(state, input, AT);
const found = (
  results: UnrecordedResult[],
  uploads: string[] = [],
  sealRequested = false,
): Extract<BookInput, { type: 'reconciled' }> => ({ type: 'reconciled', results, uploads, sealRequested });
const NOTHING = found([]);

describe('a check of the intake log (reconciled)', () => {
  it('applies a stored result the book never received, then checks again before BOOK_COMPLETE', () => {
    const state = newBook();
    apply(state, { type: 'upload', docUuid: doc(1) });
    apply(state, { type: 'upload', docUuid: doc(2) });
    apply(state, { type: 'verification', docUuid: doc(1), result: 'SUCCEEDED', resultId: '1' });
    apply(state, { type: 'seal', by: 'request' });
    expect(state.status).toBe('SEALED');

    // doc 2's result was acknowledged and stored, but its signal never reached the book.
    const effects = apply(state, found([{ docUuid: doc(2), result: 'FAILED', resultId: '7' }]));
    expect(effects).toEqual([
      {
        type: 'record_event',
        event: expect.objectContaining({
          eventId: eventId(BOOK, 'VERIFICATION_COMPLETE', doc(2)),
          docUuid: doc(2),
          result: 'FAILED',
          resultId: '7',
        }),
      },
      { type: 'reconcile' },
    ]);
    expect(state.status).toBe('SEALED');
    expect(apply(state, NOTHING).map((effect) => effect.type)).toEqual(['record_event', 'run_analytics']);
    expect(state.status).toBe('COMPLETE');
  });

  it('records again an event the book decided but never recorded, with the result it decided', () => {
    const state = newBook();
    apply(state, { type: 'upload', docUuid: doc(1) });
    apply(state, { type: 'verification', docUuid: doc(1), result: 'FAILED', resultId: '3' });
    const before = structuredClone(state.counts);
    // Both results are stored (a conflicting one came later); only the decided one is recorded again.
    const effects = apply(
      state,
      found([
        { docUuid: doc(1), result: 'SUCCEEDED', resultId: '2' },
        { docUuid: doc(1), result: 'FAILED', resultId: '3' },
      ]),
    );
    expect(effects).toEqual([
      {
        type: 'record_event',
        event: expect.objectContaining({
          eventId: eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1)),
          result: 'FAILED',
          resultId: '3',
        }),
      },
    ]);
    expect(state.counts).toEqual(before);
    expect(state.docs[doc(1)]).toBe('REJECTED');
  });

  it('registers an acknowledged upload the book does not know, so completion waits for its result', () => {
    const state = newBook();
    apply(state, { type: 'seal', by: 'request' });
    expect(state.checkPending).toBe(true);
    expect(apply(state, found([], [doc(5)]))).toEqual([]);
    expect(state.status).toBe('SEALED');
    expect(state.counts).toMatchObject({ total: 1, verifying: 1 });
    const last = apply(state, { type: 'verification', docUuid: doc(5), result: 'SUCCEEDED', resultId: '9' });
    expect(last.map((effect) => effect.type)).toEqual(['record_event', 'reconcile']);
  });

  it('seals a book whose seal request was stored but never applied', () => {
    const state = newBook();
    apply(state, { type: 'upload', docUuid: doc(1) });
    const effects = apply(state, found([], [], true));
    expect(state.status).toBe('SEALED');
    expect(state.sealedBy).toBe('request');
    expect(effects).toEqual([
      { type: 'record_status', status: 'SEALED', counts: expect.any(Object), at: expect.any(String), by: 'request' },
      { type: 'reconcile' },
    ]);
  });

  it('changes nothing once the book is complete', () => {
    const state = newBook();
    apply(state, { type: 'seal', by: 'request' });
    apply(state, NOTHING);
    expect(state.status).toBe('COMPLETE');
    const before = structuredClone(state);
    expect(apply(state, found([{ docUuid: doc(1), result: 'SUCCEEDED', resultId: '1' }], [doc(2)], true))).toEqual([]);
    expect(state).toEqual(before);
  });
});

/**
 * The workflow's loop against a simulated PostgreSQL, with the failures the issue saw: acknowledged messages the book
 * never applies, and decided events that never get recorded. Checks run where the workflow runs them (before
 * completion, after a quiet period). Whatever is lost, every stored result ends with exactly one recorded event, and
 * BOOK_COMPLETE is never recorded while a document's event is missing.
 */
function simulate(seed: number, docs: number) {
  const rand = seededRandom(seed);
  const state = newBook();
  // PostgreSQL: the intake log and the recorded events.
  const stored = new Map<string, { result: VerificationResult; resultId: string }[]>();
  const uploaded = new Set<string>();
  let sealRequested = false;
  const recorded = new Map<string, number>();
  const completeSeenMissing: string[] = [];
  const pending: Effect[] = [];
  let nextId = 1;

  const deliver = (input: BookInput, lost: boolean) => {
    if (!lost) pending.push(...apply(state, input));
  };
  const runEffects = () => {
    while (pending.length > 0) {
      const effect = pending.shift() as Effect;
      if (effect.type === 'record_event') {
        const { event } = effect;
        if (event.type === 'BOOK_COMPLETE') {
          for (const docUuid of stored.keys()) {
            if (!recorded.has(eventId(BOOK, 'VERIFICATION_COMPLETE', docUuid))) completeSeenMissing.push(docUuid);
          }
        }
        // A decided VERIFICATION_COMPLETE is sometimes never recorded (the replay divergence the issue found).
        if (event.type === 'VERIFICATION_COMPLETE' && rand() < 0.1) continue;
        recorded.set(event.eventId, (recorded.get(event.eventId) ?? 0) + 1);
      } else if (effect.type === 'run_analytics') {
        pending.push(...apply(state, { type: 'analytics_done' }));
      } else if (effect.type === 'reconcile') {
        const results = [...stored].flatMap(([docUuid, rows]) =>
          recorded.has(eventId(BOOK, 'VERIFICATION_COMPLETE', docUuid)) ? [] : rows.map((row) => ({ docUuid, ...row })),
        );
        const uploads =
          state.counts.verifying === 0
            ? [...uploaded].filter((d) => !stored.has(d) && !recorded.has(eventId(BOOK, 'VERIFICATION_COMPLETE', d)))
            : [];
        pending.push(...apply(state, found(results, uploads, sealRequested)));
      }
    }
  };

  const ids = Array.from({ length: docs }, (_, i) => doc(i));
  for (const docUuid of ids) {
    uploaded.add(docUuid);
    deliver({ type: 'upload', docUuid }, rand() < 0.2);
    if (rand() < 0.3) runEffects();
  }
  const order = [...ids].sort(() => rand() - 0.5);
  order.forEach((docUuid, i) => {
    if (i === Math.floor(docs / 2)) {
      sealRequested = true;
      deliver({ type: 'seal', by: 'request' }, rand() < 0.2);
    }
    const results: VerificationResult[] =
      rand() < 0.1 ? ['SUCCEEDED', 'FAILED'] : [rand() < 0.8 ? 'SUCCEEDED' : 'FAILED'];
    for (const result of results) {
      const rows = stored.get(docUuid) ?? [];
      const resultId = String(nextId++);
      rows.push({ result, resultId });
      stored.set(docUuid, rows);
      deliver({ type: 'verification', docUuid, result, resultId }, rand() < 0.2);
    }
    if (rand() < 0.3) runEffects();
  });
  // Quiet checks until the book completes (the workflow's timer), bounded.
  const finished = () => state.status === 'ANALYTICS_COMPLETE';
  for (let round = 0; round < 20 && !finished(); round++) {
    runEffects();
    if (!finished()) pending.push({ type: 'reconcile' });
  }
  runEffects();
  return { state, recorded, stored, completeSeenMissing };
}

describe('lost messages and lost events, simulated', () => {
  it.each(Array.from({ length: 200 }, (_, seed) => seed))('seed %i: nothing lost, nothing early', (seed) => {
    const { state, recorded, stored, completeSeenMissing } = simulate(seed, 25);
    expect(completeSeenMissing).toEqual([]);
    expect(state.status).toBe('ANALYTICS_COMPLETE');
    for (const docUuid of stored.keys()) {
      expect(recorded.get(eventId(BOOK, 'VERIFICATION_COMPLETE', docUuid))).toBeGreaterThanOrEqual(1);
    }
    expect(recorded.get(eventId(BOOK, 'BOOK_COMPLETE'))).toBe(1);
    expect(recorded.get(eventId(BOOK, 'ANALYTICS_COMPLETED'))).toBe(1);
    expect(state.counts.verifying).toBe(0);
    expect(state.counts.total).toBe(25);
  });
});
