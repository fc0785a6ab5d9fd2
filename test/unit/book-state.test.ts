import { describe, expect, it } from 'vitest';
import type { StatementFields } from '../../src/contract/statement-fields.js';
import type { BookInput, BookState, BookWorkflowInput, Effect, EmittedEvent } from '../../workflows/book-model.js';
import {
  applyBookInput,
  eventId,
  initialBookState,
  MAX_IGNORED_KEPT,
  uploadRefusal,
} from '../../workflows/book-state.js';
import { seededRandom } from '../support/random.js';

const BOOK = '6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c';
const OTHER_BOOK = '0b7e5d3c-1a2f-4e6d-8c9b-7a6f5e4d3c2b';
const CREATED_AT = '2026-11-28T10:00:00.000Z';

const WORKFLOW_INPUT: BookWorkflowInput = {
  tenantId: 'acme',
  bookUuid: BOOK,
  name: 'Q3 statements',
  metadata: { loan: 'L-1' },
  createdAt: CREATED_AT,
};

/** A distinct, valid v4-shaped doc uuid per number. */
function doc(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** The workflow clock n seconds after the book was created. */
function at(n: number): string {
  return new Date(Date.parse(CREATED_AT) + n * 1000).toISOString();
}

function newBook(overrides: Partial<BookWorkflowInput> = {}): BookState {
  return initialBookState({ ...WORKFLOW_INPUT, ...overrides });
}

const upload = (docUuid: string): BookInput => ({ type: 'upload', docUuid });
const succeeded = (docUuid: string, extra: { reason?: string; fields?: StatementFields } = {}): BookInput => ({
  type: 'verification',
  docUuid,
  result: 'SUCCEEDED',
  ...extra,
});
const failed = (docUuid: string, reason?: string): BookInput => ({
  type: 'verification',
  docUuid,
  result: 'FAILED',
  ...(reason !== undefined ? { reason } : {}),
});
const seal = (by: 'request' | 'seal_after' = 'request'): BookInput => ({ type: 'seal', by });
const ANALYTICS_DONE: BookInput = { type: 'analytics_done' };
/** The intake check's answer when the log holds nothing the book missed. */
const CHECKED: BookInput = { type: 'reconciled', results: [], uploads: [], sealRequested: false };

/** Applies inputs one second apart starting at `start`; returns every effect in order. */
function applyAll(state: BookState, inputs: BookInput[], start = 1): Effect[] {
  return inputs.flatMap((input, i) => applyBookInput(state, input, at(start + i)));
}

function eventsOf(effects: Effect[]): EmittedEvent[] {
  return effects.flatMap((effect) => (effect.type === 'record_event' ? [effect.event] : []));
}

const FIELDS: StatementFields = {
  account_id: 'acc-1',
  period_start: '2026-01-01',
  period_end: '2026-01-31',
  starting_balance: 100000,
  ending_balance: 110000,
  total_deposits: 30000,
  total_withdrawals: 20000,
  nsf_count: 0,
};

function shuffled<T>(items: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe('initialBookState', () => {
  it('starts a new book in UPLOAD with no documents and zero counts, keeping what the API sent', () => {
    expect(newBook()).toEqual({
      tenantId: 'acme',
      bookUuid: BOOK,
      name: 'Q3 statements',
      createdAt: CREATED_AT,
      status: 'UPLOAD',
      docs: {},
      counts: { total: 0, verifying: 0, verified: 0, rejected: 0 },
      ignored: [],
      ignoredCount: 0,
    });
  });

  it('keeps sealAfterMs when given', () => {
    expect(newBook({ sealAfterMs: 30_000 }).sealAfterMs).toBe(30_000);
  });
});

describe('upload', () => {
  it('registers a new document as VERIFYING and emits nothing', () => {
    const state = newBook();
    expect(applyBookInput(state, upload(doc(1)), at(1))).toEqual([]);
    expect(state.docs).toEqual({ [doc(1)]: 'VERIFYING' });
    expect(state.counts).toEqual({ total: 1, verifying: 1, verified: 0, rejected: 0 });
    expect(state.status).toBe('UPLOAD');

    applyBookInput(state, upload(doc(2)), at(2));
    expect(state.counts).toEqual({ total: 2, verifying: 2, verified: 0, rejected: 0 });
  });

  it('ignores a repeated upload of the same document: no change, no effect', () => {
    const state = newBook();
    applyBookInput(state, upload(doc(1)), at(1));
    const before = structuredClone(state);
    expect(applyBookInput(state, upload(doc(1)), at(2))).toEqual([]);
    expect(state).toEqual(before);
  });

  it('a repeated upload after the document was verified does not reset it', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(1))]);
    const before = structuredClone(state);
    expect(applyBookInput(state, upload(doc(1)), at(5))).toEqual([]);
    expect(state).toEqual(before);
    expect(state.docs[doc(1)]).toBe('VERIFICATION_COMPLETE');
  });
});

/** The intake log's document count, as a result or seal carries it. */
const logHolds = (count: number): BookInput => ({ type: 'documents', count });

describe('documents the book knows by number (uploads wake no book)', () => {
  it("counts the log's documents as verifying before the result that told it, so the event's counts are the book's", () => {
    const state = newBook();
    const effects = applyAll(state, [logHolds(18), succeeded(doc(3))]);
    expect(eventsOf(effects)[0]?.counts).toEqual({ total: 18, verifying: 17, verified: 1, rejected: 0 });
    expect(state.counts).toEqual({ total: 18, verifying: 17, verified: 1, rejected: 0 });
    expect(state.unnamed).toBe(17);
  });

  it('names one unnamed document per result: the total stays, and BOOK_COMPLETE waits for every counted document', () => {
    const state = newBook();
    applyAll(state, [logHolds(3), succeeded(doc(1)), logHolds(3), failed(doc(2)), seal(), CHECKED]);
    expect(state.status).toBe('SEALED');
    expect(state.counts).toEqual({ total: 3, verifying: 1, verified: 1, rejected: 1 });
    const effects = applyAll(state, [logHolds(3), succeeded(doc(3)), CHECKED], 20);
    expect(eventsOf(effects).map((event) => event.type)).toEqual(['VERIFICATION_COMPLETE', 'BOOK_COMPLETE']);
    expect(state.counts).toEqual({ total: 3, verifying: 0, verified: 2, rejected: 1 });
    expect(state.unnamed).toBeUndefined();
  });

  it('a seal that counts documents the book never heard of leaves it waiting for their results', () => {
    const state = newBook();
    const effects = applyAll(state, [succeeded(doc(1)), logHolds(2), seal()]);
    expect(state.status).toBe('SEALED');
    expect(effects.at(-1)).toEqual({ type: 'reconcile' });
    expect(applyBookInput(state, CHECKED, at(10))).toEqual([]);
    expect(state.counts).toEqual({ total: 2, verifying: 1, verified: 1, rejected: 0 });
  });

  it('a count older than what the book knows changes nothing: counts never go down', () => {
    const state = newBook();
    applyAll(state, [logHolds(5), succeeded(doc(1)), upload(doc(2)), logHolds(3), logHolds(5)]);
    expect(state.counts).toEqual({ total: 5, verifying: 4, verified: 1, rejected: 0 });
  });

  it('a document named by an upload or a check takes the place of an unnamed one', () => {
    const state = newBook();
    applyAll(state, [logHolds(2), upload(doc(1))]);
    applyBookInput(state, { type: 'reconciled', results: [], uploads: [doc(2)], sealRequested: false }, at(5));
    expect(state.counts).toEqual({ total: 2, verifying: 2, verified: 0, rejected: 0 });
    expect(state.unnamed).toBeUndefined();
    applyBookInput(state, upload(doc(3)), at(6));
    expect(state.counts.total).toBe(3);
  });

  it('a completed book takes no count', () => {
    const state = newBook();
    applyAll(state, [succeeded(doc(1)), seal(), CHECKED, logHolds(4)]);
    expect(state.status).toBe('COMPLETE');
    expect(state.counts).toEqual({ total: 1, verifying: 0, verified: 1, rejected: 0 });
  });
});

describe('uploadRefusal', () => {
  it('accepts any upload while the book is in UPLOAD', () => {
    const state = newBook();
    expect(uploadRefusal(state, doc(1))).toBeUndefined();
    applyBookInput(state, upload(doc(1)), at(1));
    expect(uploadRefusal(state, doc(1))).toBeUndefined();
  });

  it('refuses a new document once the book is SEALED, naming the book', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), seal()]);
    expect(state.status).toBe('SEALED');
    const refusal = uploadRefusal(state, doc(2));
    expect(refusal).toEqual(expect.stringContaining(BOOK));
    expect(refusal).toMatch(/sealed/i);
  });

  it('refuses a new document once the book is COMPLETE, naming the book', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(1)), seal(), CHECKED]);
    expect(state.status).toBe('COMPLETE');
    const refusal = uploadRefusal(state, doc(2));
    expect(refusal).toEqual(expect.stringContaining(BOOK));
    expect(refusal).toMatch(/complete/i);
  });

  it('accepts a repeated upload of a known document whatever the status', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), seal()]);
    expect(uploadRefusal(state, doc(1))).toBeUndefined();
    applyAll(state, [succeeded(doc(1)), failed(doc(2)), CHECKED], 10);
    expect(state.status).toBe('COMPLETE');
    expect(uploadRefusal(state, doc(1))).toBeUndefined();
    expect(uploadRefusal(state, doc(2))).toBeUndefined();
  });

  it('an upload reaching a sealed book was logged before the seal: the book takes it and waits for its result', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), seal(), succeeded(doc(1))]);
    expect(uploadRefusal(state, doc(2))).toBeDefined();
    expect(applyBookInput(state, upload(doc(2)), at(9))).toEqual([]);
    expect(state.docs[doc(2)]).toBe('VERIFYING');
    expect(state.counts).toMatchObject({ total: 2, verifying: 1 });
    const effects = applyAll(state, [CHECKED, succeeded(doc(2)), CHECKED], 10);
    expect(eventsOf(effects).map((event) => event.type)).toEqual(['VERIFICATION_COMPLETE', 'BOOK_COMPLETE']);
  });

  it('an upload reaching a completed book changes nothing', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), seal(), succeeded(doc(1)), CHECKED]);
    expect(state.status).toBe('COMPLETE');
    const before = structuredClone(state);
    expect(applyBookInput(state, upload(doc(2)), at(9))).toEqual([]);
    expect(state).toEqual(before);
  });
});

describe('verification', () => {
  it('SUCCEEDED marks the document VERIFICATION_COMPLETE and records one VERIFICATION_COMPLETE event', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2))]);
    const effects = applyBookInput(state, succeeded(doc(1), { reason: 'looks fine', fields: FIELDS }), at(7));

    expect(effects).toEqual([
      {
        type: 'record_event',
        event: {
          eventId: eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1)),
          type: 'VERIFICATION_COMPLETE',
          occurredAt: at(7),
          docUuid: doc(1),
          result: 'SUCCEEDED',
          reason: 'looks fine',
          fields: FIELDS,
          bookStatus: 'UPLOAD',
          counts: { total: 2, verifying: 1, verified: 1, rejected: 0 },
        },
      },
    ]);
    expect(state.docs[doc(1)]).toBe('VERIFICATION_COMPLETE');
    expect(state.docs[doc(2)]).toBe('VERIFYING');
    expect(state.counts).toEqual({ total: 2, verifying: 1, verified: 1, rejected: 0 });
  });

  it('FAILED marks the document REJECTED; reason and fields are left out when not given', () => {
    const state = newBook();
    applyBookInput(state, upload(doc(1)), at(1));
    const effects = applyBookInput(state, failed(doc(1)), at(2));

    expect(effects).toHaveLength(1);
    const [effect] = effects;
    expect(effect?.type).toBe('record_event');
    const event = (effect as Extract<Effect, { type: 'record_event' }>).event;
    expect(event).toEqual({
      eventId: eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1)),
      type: 'VERIFICATION_COMPLETE',
      occurredAt: at(2),
      docUuid: doc(1),
      result: 'FAILED',
      bookStatus: 'UPLOAD',
      counts: { total: 1, verifying: 0, verified: 0, rejected: 1 },
    });
    expect(event).not.toHaveProperty('reason');
    expect(event).not.toHaveProperty('fields');
    expect(state.docs[doc(1)]).toBe('REJECTED');
    expect(state.counts).toEqual({ total: 1, verifying: 0, verified: 0, rejected: 1 });
  });

  it('keeps the reason of a failure', () => {
    const state = newBook();
    applyBookInput(state, upload(doc(1)), at(1));
    const [event] = eventsOf(applyBookInput(state, failed(doc(1), 'unreadable scan'), at(2)));
    expect(event?.reason).toBe('unreadable scan');
    expect(event).not.toHaveProperty('fields');
  });

  it("the event's counts are a snapshot: later inputs do not change them", () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), upload(doc(3))]);
    const [event] = eventsOf(applyBookInput(state, succeeded(doc(1)), at(10)));
    expect(event?.counts).toEqual({ total: 3, verifying: 2, verified: 1, rejected: 0 });
    expect(event?.counts).not.toBe(state.counts);

    applyAll(state, [upload(doc(4)), failed(doc(2)), succeeded(doc(3)), seal()], 11);
    expect(state.counts).toEqual({ total: 4, verifying: 1, verified: 2, rejected: 1 });
    expect(event?.counts).toEqual({ total: 3, verifying: 2, verified: 1, rejected: 0 });
  });

  it('a repeated result is ignored: no effect, status unchanged, recorded with a reason', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(1))]);
    const counts = { ...state.counts };

    expect(applyBookInput(state, succeeded(doc(1)), at(9))).toEqual([]);
    expect(state.docs[doc(1)]).toBe('VERIFICATION_COMPLETE');
    expect(state.counts).toEqual(counts);
    expect(state.ignoredCount).toBe(1);
    expect(state.ignored).toEqual([{ at: at(9), docUuid: doc(1), kind: 'verification', reason: expect.any(String) }]);
    expect(state.ignored[0]?.reason).toMatch(/repeated/);
    expect(state.ignored[0]?.reason).toMatch(/first result stands/);
  });

  it('a conflicting result is ignored: the first result stands', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), failed(doc(1)), succeeded(doc(2))]);
    const counts = { ...state.counts };

    expect(applyBookInput(state, succeeded(doc(1)), at(10))).toEqual([]);
    expect(applyBookInput(state, failed(doc(2)), at(11))).toEqual([]);
    expect(state.docs).toEqual({ [doc(1)]: 'REJECTED', [doc(2)]: 'VERIFICATION_COMPLETE' });
    expect(state.counts).toEqual(counts);
    expect(state.ignoredCount).toBe(2);
    expect(state.ignored.map((ignored) => ignored.docUuid)).toEqual([doc(1), doc(2)]);
    for (const ignored of state.ignored) {
      expect(ignored.kind).toBe('verification');
      expect(ignored.reason).toMatch(/conflicting/);
      expect(ignored.reason).toMatch(/first result stands/);
    }
  });

  it(`keeps only the last ${MAX_IGNORED_KEPT} ignored inputs but counts them all`, () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(1))]);
    const extra = 5;
    const total = MAX_IGNORED_KEPT + extra;
    for (let i = 0; i < total; i++) {
      expect(applyBookInput(state, i % 2 ? failed(doc(1)) : succeeded(doc(1)), at(100 + i))).toEqual([]);
    }
    expect(state.ignoredCount).toBe(total);
    expect(state.ignored).toHaveLength(MAX_IGNORED_KEPT);
    expect(state.ignored[0]?.at).toBe(at(100 + extra));
    expect(state.ignored.at(-1)?.at).toBe(at(100 + total - 1));
    expect(state.ignored.map((ignored) => ignored.at)).toEqual(
      Array.from({ length: MAX_IGNORED_KEPT }, (_, i) => at(100 + extra + i)),
    );
    expect(state.docs[doc(1)]).toBe('VERIFICATION_COMPLETE');
  });

  it('a verification that arrives before its upload registers the document, terminal at once', () => {
    const state = newBook();
    const effects = applyBookInput(state, failed(doc(1), 'blank'), at(1));
    expect(eventsOf(effects)).toEqual([
      {
        eventId: eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1)),
        type: 'VERIFICATION_COMPLETE',
        occurredAt: at(1),
        docUuid: doc(1),
        result: 'FAILED',
        reason: 'blank',
        bookStatus: 'UPLOAD',
        counts: { total: 1, verifying: 0, verified: 0, rejected: 1 },
      },
    ]);
    expect(effects).toHaveLength(1);
    expect(state.docs).toEqual({ [doc(1)]: 'REJECTED' });
    expect(state.counts).toEqual({ total: 1, verifying: 0, verified: 0, rejected: 1 });

    // The late upload is accepted and changes nothing.
    expect(uploadRefusal(state, doc(1))).toBeUndefined();
    const before = structuredClone(state);
    expect(applyBookInput(state, upload(doc(1)), at(2))).toEqual([]);
    expect(state).toEqual(before);
  });

  it('the late upload is accepted even after the book was sealed', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(2)), seal()]);
    expect(state.status).toBe('SEALED');
    expect(uploadRefusal(state, doc(2))).toBeUndefined();
    const before = structuredClone(state);
    expect(applyBookInput(state, upload(doc(2)), at(10))).toEqual([]);
    expect(state).toEqual(before);
  });
});

describe('seal', () => {
  it('moves UPLOAD to SEALED and records the status when documents are still verifying', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), succeeded(doc(1))]);
    const effects = applyBookInput(state, seal('request'), at(20));

    // Documents still verifying: their results may be stored already, so the seal asks for a check at once.
    expect(effects).toEqual([
      {
        type: 'record_status',
        status: 'SEALED',
        counts: { total: 2, verifying: 1, verified: 1, rejected: 0 },
        at: at(20),
        by: 'request',
      },
      { type: 'reconcile' },
    ]);
    expect(state.status).toBe('SEALED');
    expect(state.sealedAt).toBe(at(20));
    expect(state.sealedBy).toBe('request');
    expect(state.completedAt).toBeUndefined();
  });

  it('records who sealed it: the seal_after timer', () => {
    const state = newBook({ sealAfterMs: 60_000 });
    applyBookInput(state, upload(doc(1)), at(1));
    expect(applyBookInput(state, seal('seal_after'), at(61))).toEqual([
      {
        type: 'record_status',
        status: 'SEALED',
        counts: { total: 1, verifying: 1, verified: 0, rejected: 0 },
        at: at(61),
        by: 'seal_after',
      },
      { type: 'reconcile' },
    ]);
    expect(state.sealedBy).toBe('seal_after');
    expect(state.sealedAt).toBe(at(61));
  });

  it('sealing again is a no-op', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), seal('request')]);
    const before = structuredClone(state);
    expect(applyBookInput(state, seal('seal_after'), at(50))).toEqual([]);
    expect(applyBookInput(state, seal('request'), at(51))).toEqual([]);
    expect(state).toEqual(before);
    expect(state.sealedBy).toBe('request');
  });

  it('sealing a completed book is a no-op', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(1)), seal(), CHECKED]);
    expect(state.status).toBe('COMPLETE');
    const before = structuredClone(state);
    expect(applyBookInput(state, seal(), at(50))).toEqual([]);
    expect(state).toEqual(before);
  });
});

describe('BOOK_COMPLETE', () => {
  const bookComplete = (occurredAt: string, counts: BookState['counts']): Effect => ({
    type: 'record_event',
    event: {
      eventId: eventId(BOOK, 'BOOK_COMPLETE'),
      type: 'BOOK_COMPLETE',
      occurredAt,
      bookStatus: 'COMPLETE',
      counts,
    },
  });

  it('the last verification after the seal asks for a check: [VC event, reconcile], then [BC event, run_analytics]', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), succeeded(doc(1)), seal(), CHECKED]);
    expect(state.status).toBe('SEALED');

    const effects = applyBookInput(state, failed(doc(2), 'wrong bank'), at(30));
    const counts = { total: 2, verifying: 0, verified: 1, rejected: 1 };
    expect(effects).toEqual([
      {
        type: 'record_event',
        event: {
          eventId: eventId(BOOK, 'VERIFICATION_COMPLETE', doc(2)),
          type: 'VERIFICATION_COMPLETE',
          occurredAt: at(30),
          docUuid: doc(2),
          result: 'FAILED',
          reason: 'wrong bank',
          bookStatus: 'SEALED',
          counts,
        },
      },
      { type: 'reconcile' },
    ]);
    expect(state.status).toBe('SEALED');
    expect(state.checkPending).toBe(true);
    expect(applyBookInput(state, CHECKED, at(31))).toEqual([bookComplete(at(31), counts), { type: 'run_analytics' }]);
    expect(state.status).toBe('COMPLETE');
    expect(state.completedAt).toBe(at(31));
    expect(state.checkPending).toBeUndefined();
  });

  it('is not emitted while a document is still verifying', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), upload(doc(3)), seal()]);
    const effects = applyAll(state, [succeeded(doc(1)), failed(doc(2))], 10);
    expect(eventsOf(effects).map((event) => event.type)).toEqual(['VERIFICATION_COMPLETE', 'VERIFICATION_COMPLETE']);
    expect(effects.some((effect) => effect.type === 'run_analytics')).toBe(false);
    expect(state.status).toBe('SEALED');
    expect(state.completedAt).toBeUndefined();
  });

  it('is not emitted before the seal even when every document is terminal', () => {
    const state = newBook();
    const effects = applyAll(state, [upload(doc(1)), succeeded(doc(1)), failed(doc(2))]);
    expect(eventsOf(effects).map((event) => event.type)).toEqual(['VERIFICATION_COMPLETE', 'VERIFICATION_COMPLETE']);
    expect(effects).toHaveLength(2);
    expect(state.status).toBe('UPLOAD');
  });

  it('is triggered by the seal itself when every document is terminal, once the check finds nothing missing', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), succeeded(doc(1)), failed(doc(2))]);
    const counts = { total: 2, verifying: 0, verified: 1, rejected: 1 };
    expect(applyBookInput(state, seal('seal_after'), at(40))).toEqual([
      { type: 'record_status', status: 'SEALED', counts, at: at(40), by: 'seal_after' },
      { type: 'reconcile' },
    ]);
    expect(applyBookInput(state, CHECKED, at(41))).toEqual([bookComplete(at(41), counts), { type: 'run_analytics' }]);
    expect(state).toMatchObject({
      status: 'COMPLETE',
      sealedAt: at(40),
      sealedBy: 'seal_after',
      completedAt: at(41),
    });
  });

  it('a sealed empty book completes after one check', () => {
    const state = newBook();
    const empty = { total: 0, verifying: 0, verified: 0, rejected: 0 };
    expect(applyBookInput(state, seal('request'), at(5))).toEqual([
      { type: 'record_status', status: 'SEALED', counts: empty, at: at(5), by: 'request' },
      { type: 'reconcile' },
    ]);
    expect(applyBookInput(state, CHECKED, at(6))).toEqual([bookComplete(at(6), empty), { type: 'run_analytics' }]);
    expect(state).toMatchObject({ status: 'COMPLETE', sealedAt: at(5), sealedBy: 'request', completedAt: at(6) });
  });

  it('is emitted exactly once', () => {
    const state = newBook();
    const effects = applyAll(state, [
      upload(doc(1)),
      seal(),
      succeeded(doc(1)),
      succeeded(doc(1)),
      CHECKED,
      failed(doc(1)),
      seal(),
      CHECKED,
      succeeded(doc(2)),
      upload(doc(1)),
    ]);
    expect(eventsOf(effects).filter((event) => event.type === 'BOOK_COMPLETE')).toHaveLength(1);
    expect(effects.filter((effect) => effect.type === 'run_analytics')).toHaveLength(1);
    expect(state.status).toBe('COMPLETE');
  });

  it('after BOOK_COMPLETE a result for an unknown document is ignored, naming the completed book', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(1)), seal(), CHECKED]);
    expect(state.status).toBe('COMPLETE');
    const before = structuredClone(state);

    expect(applyBookInput(state, succeeded(doc(9)), at(50))).toEqual([]);
    expect(state.docs).toEqual(before.docs);
    expect(state.counts).toEqual(before.counts);
    expect(state.status).toBe('COMPLETE');
    expect(state.ignoredCount).toBe(1);
    expect(state.ignored).toEqual([{ at: at(50), docUuid: doc(9), kind: 'verification', reason: expect.any(String) }]);
    expect(state.ignored[0]?.reason).toMatch(/completed book/);
  });

  it('after BOOK_COMPLETE a result for a known document is a repeated or conflicting ignore', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), upload(doc(2)), succeeded(doc(1)), failed(doc(2)), seal(), CHECKED]);
    expect(state.status).toBe('COMPLETE');
    const before = structuredClone(state);

    expect(applyBookInput(state, succeeded(doc(1)), at(50))).toEqual([]);
    expect(applyBookInput(state, succeeded(doc(2)), at(51))).toEqual([]);
    expect(state.docs).toEqual(before.docs);
    expect(state.counts).toEqual(before.counts);
    expect(state.ignoredCount).toBe(2);
    expect(state.ignored[0]?.reason).toMatch(/repeated/);
    expect(state.ignored[1]?.reason).toMatch(/conflicting/);
    for (const ignored of state.ignored) expect(ignored.reason).toMatch(/first result stands/);
  });

  it('after ANALYTICS_COMPLETE a result for an unknown document is ignored too', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), succeeded(doc(1)), seal(), CHECKED, ANALYTICS_DONE]);
    expect(state.status).toBe('ANALYTICS_COMPLETE');
    expect(applyBookInput(state, failed(doc(9)), at(50))).toEqual([]);
    expect(state.docs[doc(9)]).toBeUndefined();
    expect(state.counts).toEqual({ total: 1, verifying: 0, verified: 1, rejected: 0 });
    expect(state.ignored[0]?.reason).toMatch(/completed book/);
  });
});

describe('analytics_done', () => {
  it('moves COMPLETE to ANALYTICS_COMPLETE and records ANALYTICS_COMPLETED', () => {
    const state = newBook();
    applyAll(state, [upload(doc(1)), failed(doc(1)), seal(), CHECKED]);
    expect(state.status).toBe('COMPLETE');

    expect(applyBookInput(state, ANALYTICS_DONE, at(60))).toEqual([
      {
        type: 'record_event',
        event: {
          eventId: eventId(BOOK, 'ANALYTICS_COMPLETED'),
          type: 'ANALYTICS_COMPLETED',
          occurredAt: at(60),
          bookStatus: 'ANALYTICS_COMPLETE',
          counts: { total: 1, verifying: 0, verified: 0, rejected: 1 },
        },
      },
    ]);
    expect(state.status).toBe('ANALYTICS_COMPLETE');
    expect(state.analyzedAt).toBe(at(60));
  });

  it('does nothing in UPLOAD, SEALED or ANALYTICS_COMPLETE', () => {
    const state = newBook();
    applyBookInput(state, upload(doc(1)), at(1));
    for (const expected of ['UPLOAD', 'SEALED'] as const) {
      if (expected === 'SEALED') applyBookInput(state, seal(), at(2));
      expect(state.status).toBe(expected);
      const before = structuredClone(state);
      expect(applyBookInput(state, ANALYTICS_DONE, at(3))).toEqual([]);
      expect(state).toEqual(before);
    }

    applyAll(state, [succeeded(doc(1)), CHECKED, ANALYTICS_DONE], 10);
    expect(state.status).toBe('ANALYTICS_COMPLETE');
    const before = structuredClone(state);
    expect(applyBookInput(state, ANALYTICS_DONE, at(20))).toEqual([]);
    expect(state).toEqual(before);
  });
});

describe('eventId', () => {
  it('is the same for the same book, type and document', () => {
    expect(eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1))).toBe(eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1)));
    expect(eventId(BOOK, 'BOOK_COMPLETE')).toBe(eventId(BOOK, 'BOOK_COMPLETE'));
  });

  it('differs per book, type and document', () => {
    const ids = [
      eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1)),
      eventId(BOOK, 'VERIFICATION_COMPLETE', doc(2)),
      eventId(OTHER_BOOK, 'VERIFICATION_COMPLETE', doc(1)),
      eventId(BOOK, 'BOOK_COMPLETE'),
      eventId(OTHER_BOOK, 'BOOK_COMPLETE'),
      eventId(BOOK, 'ANALYTICS_COMPLETED'),
      eventId(OTHER_BOOK, 'ANALYTICS_COMPLETED'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the tenant for books started since ids are tenant-scoped: two tenants with one book uuid never share an id', () => {
    const ids = ['acme', 'acme_0', 'acm', 'globex'].flatMap((tenant) => [
      eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1), tenant),
      eventId(BOOK, 'BOOK_COMPLETE', undefined, tenant),
      eventId(BOOK, 'ANALYTICS_COMPLETED', undefined, tenant),
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventId(BOOK, 'BOOK_COMPLETE', undefined, 'acme')).toBe(`evt_bc_acme_${BOOK.replace(/-/g, '')}`);
  });

  it('is what the book emits: tenant-scoped when its input says so, as before otherwise (books already running)', () => {
    const complete = (state: BookState) =>
      eventsOf(applyAll(state, [upload(doc(1)), seal(), succeeded(doc(1)), CHECKED])).map((event) => event.eventId);
    const tenant = WORKFLOW_INPUT.tenantId;
    expect(complete(newBook({ tenantScopedEventIds: true }))).toEqual([
      eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1), tenant),
      eventId(BOOK, 'BOOK_COMPLETE', undefined, tenant),
    ]);
    expect(complete(newBook())).toEqual([
      eventId(BOOK, 'VERIFICATION_COMPLETE', doc(1)),
      eventId(BOOK, 'BOOK_COMPLETE'),
    ]);
  });

  it('is unique across the documents of a large book', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => eventId(BOOK, 'VERIFICATION_COMPLETE', doc(i)));
    expect(new Set(ids).size).toBe(1000);
  });
});

describe('determinism', () => {
  it('the same inputs applied to two fresh states give equal states and effects', () => {
    const inputs: BookInput[] = [
      upload(doc(1)),
      upload(doc(2)),
      succeeded(doc(3), { fields: FIELDS }),
      failed(doc(1), 'blurry'),
      succeeded(doc(1)),
      upload(doc(4)),
      seal('seal_after'),
      upload(doc(5)),
      succeeded(doc(2)),
      succeeded(doc(4)),
      failed(doc(6)),
      succeeded(doc(5)),
      CHECKED,
      ANALYTICS_DONE,
    ];
    const first = newBook({ sealAfterMs: 1000 });
    const second = newBook({ sealAfterMs: 1000 });
    const firstEffects = applyAll(first, inputs);
    const secondEffects = applyAll(second, inputs);

    expect(secondEffects).toEqual(firstEffects);
    expect(second).toEqual(first);
    expect(first.status).toBe('ANALYTICS_COMPLETE');
    // doc 5 was logged before the seal; doc 6's result came while a check was on its way: the book takes both.
    expect(eventsOf(firstEffects).map((event) => event.type)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
  });
});

describe('a 1,000-document book', () => {
  it('verified in a shuffled order with failures and a seal in the middle: one event each, one BOOK_COMPLETE', () => {
    const N = 1000;
    const docs = Array.from({ length: N }, (_, i) => doc(i));
    const order = shuffled(docs, 20261128);
    const fails = new Set(docs.filter((_, i) => i % 7 === 0));

    const state = newBook();
    const effects: Effect[] = [];
    let clock = 0;
    const apply = (input: BookInput) => effects.push(...applyBookInput(state, input, at(++clock)));

    for (const d of docs) apply(upload(d));
    expect(state.counts).toEqual({ total: N, verifying: N, verified: 0, rejected: 0 });

    order.forEach((d, i) => {
      if (i === N / 2) {
        apply(seal('request'));
        apply(CHECKED);
      }
      apply(fails.has(d) ? failed(d, 'unreadable') : succeeded(d));
      // A few duplicates along the way must change nothing.
      if (i % 100 === 0) apply(succeeded(d));
    });
    // The check the last result asked for finds nothing missing.
    expect(effects.at(-1)).toEqual({ type: 'reconcile' });
    apply(CHECKED);

    const events = eventsOf(effects);
    const vc = events.filter((event) => event.type === 'VERIFICATION_COMPLETE');
    const bc = events.filter((event) => event.type === 'BOOK_COMPLETE');
    expect(vc).toHaveLength(N);
    expect(new Set(vc.map((event) => event.eventId)).size).toBe(N);
    expect(new Set(vc.map((event) => event.docUuid))).toEqual(new Set(docs));
    expect(bc).toHaveLength(1);
    expect(effects.filter((effect) => effect.type === 'run_analytics')).toHaveLength(1);
    expect(effects.filter((effect) => effect.type === 'record_status')).toEqual([
      { type: 'record_status', status: 'SEALED', counts: expect.any(Object), at: expect.any(String), by: 'request' },
    ]);

    // BOOK_COMPLETE right after the last verification, then analytics; nothing after.
    const lastDoc = order.at(-1) as string;
    const tail = effects.slice(-4);
    expect(tail[0]).toMatchObject({ type: 'record_event', event: { type: 'VERIFICATION_COMPLETE', docUuid: lastDoc } });
    expect(tail[1]).toEqual({ type: 'reconcile' });
    expect(tail[2]).toMatchObject({ type: 'record_event', event: { type: 'BOOK_COMPLETE' } });
    expect(tail[3]).toEqual({ type: 'run_analytics' });

    // Statuses carried by the events: UPLOAD before the seal, SEALED after.
    expect(vc.slice(0, N / 2).every((event) => event.bookStatus === 'UPLOAD')).toBe(true);
    expect(vc.slice(N / 2).every((event) => event.bookStatus === 'SEALED')).toBe(true);

    const rejected = fails.size;
    expect(state.status).toBe('COMPLETE');
    expect(state.counts).toEqual({ total: N, verifying: 0, verified: N - rejected, rejected });
    expect(bc[0]?.counts).toEqual(state.counts);
    expect(vc.filter((event) => event.result === 'FAILED')).toHaveLength(rejected);
    expect(Object.values(state.docs).filter((status) => status === 'REJECTED')).toHaveLength(rejected);
    expect(Object.values(state.docs).filter((status) => status === 'VERIFICATION_COMPLETE')).toHaveLength(N - rejected);
    expect(state.ignoredCount).toBe(N / 100);
    expect(state.ignored).toHaveLength(Math.min(N / 100, MAX_IGNORED_KEPT));

    // Each event's snapshot adds up and verifying goes down by one per event.
    vc.forEach((event, i) => {
      const { total, verifying, verified, rejected: r } = event.counts;
      expect(total).toBe(N);
      expect(verifying + verified + r).toBe(total);
      expect(verifying).toBe(N - i - 1);
    });
  });
});
