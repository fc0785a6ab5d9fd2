import { describe, expect, it } from 'vitest';
import type { DocumentCounts } from '../../src/contract/book.js';
import type { BookState, Effect, EmittedEvent } from '../../workflows/book-model.js';
import { applyBookInput, eventId, initialBookState } from '../../workflows/book-state.js';
import { MAX_EVENTS_PER_BATCH, takeBatch } from '../../workflows/effect-batches.js';

const BOOK = '6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c';
const AT = '2026-11-28T10:00:00.000Z';

function doc(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function counts(verifying: number, verified: number, rejected = 0): DocumentCounts {
  return { total: verifying + verified + rejected, verifying, verified, rejected };
}

function vc(n: number, bookStatus: BookState['status'] = 'UPLOAD', c: DocumentCounts = counts(0, n + 1)): Effect {
  return {
    type: 'record_event',
    event: {
      eventId: eventId(BOOK, 'VERIFICATION_COMPLETE', doc(n)),
      type: 'VERIFICATION_COMPLETE',
      occurredAt: AT,
      docUuid: doc(n),
      result: 'SUCCEEDED',
      bookStatus,
      counts: c,
    },
  };
}

function bc(c: DocumentCounts): Effect {
  return {
    type: 'record_event',
    event: {
      eventId: eventId(BOOK, 'BOOK_COMPLETE'),
      type: 'BOOK_COMPLETE',
      occurredAt: AT,
      bookStatus: 'COMPLETE',
      counts: c,
    },
  };
}

const sealed = (c: DocumentCounts): Effect => ({ type: 'record_status', status: 'SEALED', counts: c });
const RUN_ANALYTICS: Effect = { type: 'run_analytics' };

function eventOf(effect: Effect): EmittedEvent {
  if (effect.type !== 'record_event') throw new Error(`not an event: ${effect.type}`);
  return effect.event;
}

describe('takeBatch', () => {
  it('takes everything, in order, when it fits; status comes from the last event', () => {
    const effects = [vc(0, 'UPLOAD', counts(2, 1)), vc(1, 'UPLOAD', counts(1, 2)), vc(2, 'UPLOAD', counts(0, 3))];
    const pending = [...effects];
    const batch = takeBatch(pending);

    expect(batch.events).toEqual(effects.map(eventOf));
    expect(batch.status).toEqual({ status: 'UPLOAD', counts: counts(0, 3) });
    expect(batch.runAnalytics).toBe(false);
    expect(pending).toEqual([]);
    expect(batch.summary).toContain('VERIFICATION_COMPLETE ×3');
    expect(batch.summary).toContain('UPLOAD');
  });

  it('a record_status after the events sets the status', () => {
    const pending = [vc(0, 'UPLOAD', counts(1, 1)), sealed(counts(1, 1))];
    const batch = takeBatch(pending);
    expect(batch.events).toEqual([eventOf(vc(0, 'UPLOAD', counts(1, 1)))]);
    expect(batch.status).toEqual({ status: 'SEALED', counts: counts(1, 1) });
    expect(batch.summary).toContain('VERIFICATION_COMPLETE');
    expect(batch.summary).toContain('SEALED');
    expect(pending).toEqual([]);
  });

  it('an event after a record_status sets the status (the last one wins)', () => {
    const pending = [sealed(counts(2, 0)), vc(0, 'SEALED', counts(1, 1))];
    const batch = takeBatch(pending);
    expect(batch.events).toHaveLength(1);
    expect(batch.status).toEqual({ status: 'SEALED', counts: counts(1, 1) });
  });

  it('a batch of only a record_status has no events but a status', () => {
    const pending = [sealed(counts(3, 0))];
    const batch = takeBatch(pending);
    expect(batch).toEqual({
      events: [],
      status: { status: 'SEALED', counts: counts(3, 0) },
      runAnalytics: false,
      reconcile: false,
      summary: expect.stringContaining('SEALED'),
      taken: [sealed(counts(3, 0))],
    });
  });

  it('carries when and how the book sealed, whatever comes after the seal in the batch', () => {
    const seal: Effect = { type: 'record_status', status: 'SEALED', counts: counts(1, 0), at: AT, by: 'seal_after' };
    const batch = takeBatch([vc(0, 'UPLOAD', counts(1, 1)), seal, vc(1, 'SEALED', counts(0, 2))]);
    expect(batch.sealed).toEqual({ at: AT, by: 'seal_after' });
    expect(batch.status).toEqual({ status: 'SEALED', counts: counts(0, 2) });
  });

  it('a seal carried over from a run before `at` and `by` existed has none', () => {
    expect(takeBatch([sealed(counts(1, 0))]).sealed).toBeUndefined();
  });

  it('stops at run_analytics and consumes it; BOOK_COMPLETE before it is in the same batch', () => {
    const done = counts(0, 2, 1);
    const pending: Effect[] = [vc(0, 'SEALED', done), bc(done), RUN_ANALYTICS, vc(9, 'COMPLETE'), sealed(done)];
    const batch = takeBatch(pending);

    expect(batch.events.map((event) => event.type)).toEqual(['VERIFICATION_COMPLETE', 'BOOK_COMPLETE']);
    expect(batch.runAnalytics).toBe(true);
    expect(batch.status).toEqual({ status: 'COMPLETE', counts: done });
    expect(batch.summary).toContain('BOOK_COMPLETE');
    expect(batch.summary).toContain('COMPLETE');
    expect(pending).toEqual([vc(9, 'COMPLETE'), sealed(done)]);
  });

  it('a batch of only run_analytics has no status and no events', () => {
    const pending: Effect[] = [RUN_ANALYTICS, vc(1)];
    const batch = takeBatch(pending);
    expect(batch.events).toEqual([]);
    expect(batch.status).toBeUndefined();
    expect(batch).not.toHaveProperty('status');
    expect(batch.runAnalytics).toBe(true);
    expect(typeof batch.summary).toBe('string');
    expect(pending).toEqual([vc(1)]);
  });

  it('an empty pending list gives an empty batch', () => {
    const pending: Effect[] = [];
    const batch = takeBatch(pending);
    expect(batch.events).toEqual([]);
    expect(batch.status).toBeUndefined();
    expect(batch.runAnalytics).toBe(false);
    expect(pending).toEqual([]);
  });

  it(`stops after ${MAX_EVENTS_PER_BATCH} events and leaves the rest, in order, in pending`, () => {
    const total = MAX_EVENTS_PER_BATCH * 2 + 17;
    const effects = Array.from({ length: total }, (_, i) => vc(i, 'UPLOAD', counts(total - i - 1, i + 1)));
    const pending = [...effects];

    const first = takeBatch(pending);
    expect(first.events).toHaveLength(MAX_EVENTS_PER_BATCH);
    expect(first.events).toEqual(effects.slice(0, MAX_EVENTS_PER_BATCH).map(eventOf));
    expect(first.status).toEqual({
      status: 'UPLOAD',
      counts: counts(total - MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH),
    });
    expect(first.summary).toContain(`VERIFICATION_COMPLETE ×${MAX_EVENTS_PER_BATCH}`);
    expect(pending).toEqual(effects.slice(MAX_EVENTS_PER_BATCH));

    const second = takeBatch(pending);
    expect(second.events).toEqual(effects.slice(MAX_EVENTS_PER_BATCH, 2 * MAX_EVENTS_PER_BATCH).map(eventOf));

    const third = takeBatch(pending);
    expect(third.events).toEqual(effects.slice(2 * MAX_EVENTS_PER_BATCH).map(eventOf));
    expect(third.events).toHaveLength(17);
    expect(third.status).toEqual({ status: 'UPLOAD', counts: counts(0, total) });
    expect(pending).toEqual([]);
  });

  it('the summary is readable: counts per event type and the final status', () => {
    const done = counts(0, 3);
    const pending: Effect[] = [vc(0, 'SEALED'), vc(1, 'SEALED'), vc(2, 'SEALED', done), bc(done), RUN_ANALYTICS];
    const batch = takeBatch(pending);
    expect(batch.summary).toContain('VERIFICATION_COMPLETE ×3');
    expect(batch.summary).toContain('BOOK_COMPLETE');
    expect(batch.summary).not.toContain('BOOK_COMPLETE ×');
    expect(batch.summary).toMatch(/COMPLETE$/);
    expect(batch.summary).toBe('record VERIFICATION_COMPLETE ×3, BOOK_COMPLETE → book COMPLETE');
  });

  it('drains what the state machine emits for a large book into ordered batches, analytics last', () => {
    const n = 450;
    const state = initialBookState({ tenantId: 'acme', bookUuid: BOOK, name: 'big', metadata: {}, createdAt: AT });
    const pending: Effect[] = [];
    for (let i = 0; i < n; i++) pending.push(...applyBookInput(state, { type: 'upload', docUuid: doc(i) }, AT));
    pending.push(...applyBookInput(state, { type: 'seal', by: 'request' }, AT));
    for (let i = 0; i < n; i++) {
      pending.push(
        ...applyBookInput(state, { type: 'verification', docUuid: doc(i), result: i % 5 ? 'SUCCEEDED' : 'FAILED' }, AT),
      );
    }
    const all = [...pending];
    const batches = [];
    // The workflow answers each check (here: nothing missing) once every event before it is recorded.
    while (pending.length > 0) {
      const batch = takeBatch(pending);
      batches.push(batch);
      if (batch.reconcile) {
        const more = applyBookInput(state, { type: 'reconciled', results: [], uploads: [], sealRequested: false }, AT);
        all.push(...more);
        pending.push(...more);
      }
    }

    const events = batches.flatMap((batch) => batch.events);
    expect(events).toEqual(all.flatMap((effect) => (effect.type === 'record_event' ? [effect.event] : [])));
    expect(events).toHaveLength(n + 1);
    for (const batch of batches) expect(batch.events.length).toBeLessThanOrEqual(MAX_EVENTS_PER_BATCH);
    expect(batches.filter((batch) => batch.runAnalytics)).toHaveLength(1);
    expect(batches.filter((batch) => batch.reconcile)).toHaveLength(1);
    const last = batches.at(-1);
    expect(last?.runAnalytics).toBe(true);
    expect(last?.events.at(-1)?.type).toBe('BOOK_COMPLETE');
    expect(last?.status).toEqual({
      status: 'COMPLETE',
      counts: { total: n, verifying: 0, verified: 360, rejected: 90 },
    });
    expect(batches[0]?.status?.status).toBe('SEALED');
  });
});
