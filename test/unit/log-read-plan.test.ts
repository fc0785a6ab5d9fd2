import { describe, expect, it } from 'vitest';
import type { BookInput } from '../../workflows/book-model.js';
import { LogReadPlan, type LogRead } from '../../workflows/log-read-plan.js';

const doc = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const EVENTS = { events: [{}] };
const NO_EVENTS = { events: [] };

function read(found: Partial<LogRead> = {}): LogRead {
  return { results: [], sealRequested: false, documents: 0, cleared: true, ...found };
}

describe('when the book reads its intake log', () => {
  it('after a signal, until a recording reads', () => {
    const plan = new LogReadPlan();
    expect(plan.readDue).toBe(false);
    plan.signalled();
    expect(plan.readDue).toBe(true);
    expect(plan.startRecording(NO_EVENTS).readDue).toBe(true);
    plan.reading();
    expect(plan.readDue).toBe(false);
  });

  it('again after a read that did not clear the log, even once the signal is answered', () => {
    const plan = new LogReadPlan();
    plan.signalled();
    plan.reading();
    plan.took(read({ cleared: false }), 'UPLOAD');
    expect(plan.readDue).toBe(true);
    plan.reading();
    expect(plan.startRecording(NO_EVENTS).readDue).toBe(true);
    plan.took(read({ cleared: true }), 'UPLOAD');
    expect(plan.readDue).toBe(false);
  });

  it('not because of a recording that answered no read (older histories)', () => {
    const plan = new LogReadPlan();
    plan.took(read({ cleared: false }), 'UPLOAD');
    expect(plan.took(undefined, 'UPLOAD')).toBeUndefined();
    expect(plan.readDue).toBe(true); // unchanged by the answer without a read
  });
});

describe('deferring to news', () => {
  it('is for the first recording after a signal, and only with events to record', () => {
    const signalled = new LogReadPlan();
    signalled.signalled();
    expect(signalled.startRecording(EVENTS).mayDefer).toBe(true);

    const empty = new LogReadPlan();
    empty.signalled();
    expect(empty.startRecording(NO_EVENTS).mayDefer).toBe(false);

    expect(new LogReadPlan().startRecording(EVENTS).mayDefer).toBe(false); // no signal: nothing woke the book
  });

  it('is for events alone: analytics or a check would run before the batch they follow is recorded', () => {
    for (const extra of [{ runAnalytics: true }, { reconcile: true }]) {
      const plan = new LogReadPlan();
      plan.signalled();
      expect(plan.startRecording({ ...EVENTS, ...extra }).mayDefer).toBe(false);
    }
  });

  it('happens once per wake: a recording that deferred is followed by one that records, signal or not', () => {
    const plan = new LogReadPlan();
    plan.signalled();
    expect(plan.startRecording(EVENTS).mayDefer).toBe(true);
    plan.reading();
    plan.deferred();
    plan.signalled(); // a signal that came while the deferring recording ran
    expect(plan.startRecording(EVENTS).mayDefer).toBe(false);
    plan.reading();
    plan.signalled();
    expect(plan.startRecording(EVENTS).mayDefer).toBe(true); // the next wake may defer again
  });

  it('is not for a recording after one that read the signal away', () => {
    const plan = new LogReadPlan();
    plan.signalled();
    plan.startRecording(EVENTS);
    plan.reading();
    expect(plan.startRecording(EVENTS).mayDefer).toBe(false);
  });
});

describe('what a read applies', () => {
  it('the logged input, with all the read found but whether it cleared', () => {
    const results = [{ docUuid: doc(1), result: 'SUCCEEDED' as const, resultId: '7', requestId: 'req-1' }];
    const taken = new LogReadPlan().took(read({ results, documents: 3, through: '7' }), 'UPLOAD');
    expect(taken?.input).toEqual({ type: 'logged', results, sealRequested: false, documents: 3, through: '7' });
  });

  it('is news with a result, or a seal the open book did not have; not with a count alone or a known seal', () => {
    const plan = new LogReadPlan();
    const result = { docUuid: doc(1), result: 'FAILED' as const, resultId: '1' };
    expect(plan.took(read({ results: [result] }), 'SEALED')?.news).toBe(true);
    expect(plan.took(read({ sealRequested: true }), 'UPLOAD')?.news).toBe(true);
    expect(plan.took(read({ sealRequested: true }), 'SEALED')?.news).toBe(false);
    expect(plan.took(read({ documents: 5 }), 'UPLOAD')?.news).toBe(false);
  });
});

describe('messages held while a recording may complete the book', () => {
  const upload = (n: number): BookInput => ({ type: 'upload', docUuid: doc(n) });

  it('are applied at once when nothing is held', () => {
    const plan = new LogReadPlan();
    expect(plan.holds(upload(1))).toBe(false);
    expect(plan.release()).toEqual([]);
  });

  it('are kept in order until the recording answers, then no more', () => {
    const plan = new LogReadPlan();
    plan.hold();
    expect(plan.holds(upload(1))).toBe(true);
    expect(plan.holds(upload(2))).toBe(true);
    expect(plan.release()).toEqual([upload(1), upload(2)]);
    expect(plan.holds(upload(3))).toBe(false);
    expect(plan.release()).toEqual([]);
  });
});
