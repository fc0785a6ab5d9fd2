import { describe, expect, it } from 'vitest';
import type { EventType } from '../../src/contract/book.js';
import { asEndpointId, asEventId, type EventId } from '../../src/contract/ids.js';
import {
  compact,
  enqueue,
  finish,
  hasHeld,
  hasOpen,
  isFinished,
  deliveriesStatus,
  nextToStart,
  recheckHeld,
  type DeliveryPhase,
  type EndpointDeliveriesState,
} from '../../workflows/delivery-order.js';

const BOOK = '6f1c2a9e8d2b4c1e9b7a3f5d4e6a7b8c';

const vc = (n: number) => asEventId(`evt_vc_${BOOK}_${String(n).padStart(32, '0')}`);
const BC = asEventId(`evt_bc_${BOOK}`);
const AC = asEventId(`evt_ac_${BOOK}`);

/** Deliveries of one endpoint and book, in this arrival order. */
function deliveriesOf(
  deliveries: Array<[eventId: EventId, type: EventType, phase: DeliveryPhase]> = [],
): EndpointDeliveriesState {
  return {
    tenantId: 'acme',
    endpointId: asEndpointId('wh_1'),
    bookUuid: BOOK,
    deliveries: Object.fromEntries(deliveries.map(([eventId, type, phase]) => [eventId, { type, phase }])),
  };
}

/** n VERIFICATION_COMPLETE deliveries, all in `phase`. */
function verifications(n: number, phase: DeliveryPhase, from = 1): Array<[EventId, EventType, DeliveryPhase]> {
  return Array.from({ length: n }, (_, i) => [vc(from + i), 'VERIFICATION_COMPLETE', phase]);
}

describe('enqueue', () => {
  it('adds new events as queued, in arrival order', () => {
    const state = deliveriesOf();
    enqueue(state, [
      { eventId: vc(2), type: 'VERIFICATION_COMPLETE' },
      { eventId: vc(1), type: 'VERIFICATION_COMPLETE' },
    ]);
    enqueue(state, [{ eventId: BC, type: 'BOOK_COMPLETE' }]);

    expect(state.deliveries).toEqual({
      [vc(2)]: { type: 'VERIFICATION_COMPLETE', phase: 'queued' },
      [vc(1)]: { type: 'VERIFICATION_COMPLETE', phase: 'queued' },
      [BC]: { type: 'BOOK_COMPLETE', phase: 'queued' },
    });
    expect(Object.keys(state.deliveries)).toEqual([vc(2), vc(1), BC]);
  });

  it('ignores events it already holds, whatever their phase', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'DELIVERED'],
      [vc(2), 'VERIFICATION_COMPLETE', 'running'],
      [vc(3), 'VERIFICATION_COMPLETE', 'FAILED'],
      [BC, 'BOOK_COMPLETE', 'queued'],
    ]);
    const before = structuredClone(state);

    // A repeated fan-out of the same events.
    enqueue(state, [
      { eventId: vc(1), type: 'VERIFICATION_COMPLETE' },
      { eventId: vc(2), type: 'VERIFICATION_COMPLETE' },
      { eventId: vc(3), type: 'VERIFICATION_COMPLETE' },
      { eventId: BC, type: 'BOOK_COMPLETE' },
    ]);
    expect(state).toEqual(before);

    // Even a repeat that names another type does not overwrite what is held.
    enqueue(state, [{ eventId: BC, type: 'ANALYTICS_COMPLETED' }]);
    expect(state).toEqual(before);
  });

  it('ignores duplicates within one batch, and still adds the new events of a partly repeated batch', () => {
    const state = deliveriesOf([[vc(1), 'VERIFICATION_COMPLETE', 'DELIVERED']]);
    enqueue(state, [
      { eventId: vc(1), type: 'VERIFICATION_COMPLETE' },
      { eventId: vc(2), type: 'VERIFICATION_COMPLETE' },
      { eventId: vc(2), type: 'VERIFICATION_COMPLETE' },
    ]);
    expect(state.deliveries).toEqual({
      [vc(1)]: { type: 'VERIFICATION_COMPLETE', phase: 'DELIVERED' },
      [vc(2)]: { type: 'VERIFICATION_COMPLETE', phase: 'queued' },
    });
  });
});

describe('nextToStart: VERIFICATION_COMPLETE deliveries', () => {
  it('start in parallel, in arrival order, up to maxInFlight', () => {
    const state = deliveriesOf(verifications(5, 'queued'));
    expect(nextToStart(state, 20)).toEqual([vc(1), vc(2), vc(3), vc(4), vc(5)]);
    expect(nextToStart(state, 3)).toEqual([vc(1), vc(2), vc(3)]);
    expect(nextToStart(state, 1)).toEqual([vc(1)]);
  });

  it('count the ones already running against maxInFlight', () => {
    const state = deliveriesOf([...verifications(2, 'running'), ...verifications(3, 'queued', 3)]);
    expect(nextToStart(state, 3)).toEqual([vc(3)]);
    expect(nextToStart(state, 4)).toEqual([vc(3), vc(4)]);
    expect(nextToStart(state, 2)).toEqual([]);
  });

  it('start nothing when more are running than maxInFlight allows', () => {
    const state = deliveriesOf([...verifications(4, 'running'), ...verifications(2, 'queued', 5)]);
    expect(nextToStart(state, 3)).toEqual([]);
    expect(nextToStart(state, 0)).toEqual([]);
  });

  it('skip the ones already finished', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'DELIVERED'],
      [vc(2), 'VERIFICATION_COMPLETE', 'FAILED'],
      [vc(3), 'VERIFICATION_COMPLETE', 'queued'],
    ]);
    expect(nextToStart(state, 20)).toEqual([vc(3)]);
  });

  it('return nothing for an empty or fully finished set', () => {
    expect(nextToStart(deliveriesOf(), 20)).toEqual([]);
    expect(nextToStart(deliveriesOf([...verifications(2, 'DELIVERED'), [BC, 'BOOK_COMPLETE', 'FAILED']]), 20)).toEqual(
      [],
    );
  });
});

describe('nextToStart: BOOK_COMPLETE', () => {
  it('waits while any VERIFICATION_COMPLETE is queued', () => {
    const state = deliveriesOf([...verifications(2, 'queued'), [BC, 'BOOK_COMPLETE', 'queued']]);
    expect(nextToStart(state, 20)).toEqual([vc(1), vc(2)]);
    expect(nextToStart(state, 20)).not.toContain(BC);
  });

  it('waits while any VERIFICATION_COMPLETE is running, even with room to start', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'DELIVERED'],
      [vc(2), 'VERIFICATION_COMPLETE', 'running'],
      [vc(3), 'VERIFICATION_COMPLETE', 'FAILED'],
      [BC, 'BOOK_COMPLETE', 'queued'],
    ]);
    expect(nextToStart(state, 20)).toEqual([]);
  });

  it('waits for a VERIFICATION_COMPLETE still queued because maxInFlight is full', () => {
    const state = deliveriesOf([
      ...verifications(2, 'running'),
      [vc(3), 'VERIFICATION_COMPLETE', 'queued'],
      [BC, 'BOOK_COMPLETE', 'queued'],
    ]);
    expect(nextToStart(state, 2)).toEqual([]);
    expect(nextToStart(state, 3)).toEqual([vc(3)]);
  });

  it('starts once every VERIFICATION_COMPLETE is delivered or failed', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'DELIVERED'],
      [vc(2), 'VERIFICATION_COMPLETE', 'FAILED'],
      [vc(3), 'VERIFICATION_COMPLETE', 'DELIVERED'],
      [BC, 'BOOK_COMPLETE', 'queued'],
    ]);
    expect(nextToStart(state, 20)).toEqual([BC]);
  });

  it('starts at once for a book with no verified documents', () => {
    expect(nextToStart(deliveriesOf([[BC, 'BOOK_COMPLETE', 'queued']]), 20)).toEqual([BC]);
  });
});

describe('nextToStart: ANALYTICS_COMPLETED', () => {
  it('waits while BOOK_COMPLETE is queued or running', () => {
    const done = verifications(2, 'DELIVERED');
    const queued = deliveriesOf([...done, [BC, 'BOOK_COMPLETE', 'queued'], [AC, 'ANALYTICS_COMPLETED', 'queued']]);
    expect(nextToStart(queued, 20)).toEqual([BC]);
    const running = deliveriesOf([...done, [BC, 'BOOK_COMPLETE', 'running'], [AC, 'ANALYTICS_COMPLETED', 'queued']]);
    expect(nextToStart(running, 20)).toEqual([]);
  });

  it('waits while verifications are still open, even behind a queued BOOK_COMPLETE', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'running'],
      [BC, 'BOOK_COMPLETE', 'queued'],
      [AC, 'ANALYTICS_COMPLETED', 'queued'],
    ]);
    expect(nextToStart(state, 20)).toEqual([]);
  });

  it.each(['DELIVERED', 'FAILED'] as const)('starts once BOOK_COMPLETE is %s', (phase) => {
    const state = deliveriesOf([
      ...verifications(2, 'DELIVERED'),
      [BC, 'BOOK_COMPLETE', phase],
      [AC, 'ANALYTICS_COMPLETED', 'queued'],
    ]);
    expect(nextToStart(state, 20)).toEqual([AC]);
  });
});

describe('isFinished', () => {
  it('is false until ANALYTICS_COMPLETED has been delivered or given up', () => {
    expect(isFinished(deliveriesOf())).toBe(false);
    expect(isFinished(deliveriesOf(verifications(3, 'DELIVERED')))).toBe(false);
    expect(isFinished(deliveriesOf([...verifications(3, 'DELIVERED'), [BC, 'BOOK_COMPLETE', 'DELIVERED']]))).toBe(
      false,
    );
    for (const phase of ['queued', 'running'] as const) {
      const state = deliveriesOf([
        [BC, 'BOOK_COMPLETE', 'DELIVERED'],
        [AC, 'ANALYTICS_COMPLETED', phase],
      ]);
      expect(isFinished(state)).toBe(false);
    }
  });

  it.each(['DELIVERED', 'FAILED'] as const)('is true once ANALYTICS_COMPLETED is %s', (phase) => {
    const state = deliveriesOf([
      ...verifications(2, 'DELIVERED'),
      [BC, 'BOOK_COMPLETE', 'DELIVERED'],
      [AC, 'ANALYTICS_COMPLETED', phase],
    ]);
    expect(isFinished(state)).toBe(true);
  });
});

describe('a whole book’s deliveries, driven the way the workflow drives it', () => {
  it('delivers every verification first, then BOOK_COMPLETE, then ANALYTICS_COMPLETED, never over maxInFlight', () => {
    const maxInFlight = 3;
    const state = deliveriesOf();
    enqueue(
      state,
      Array.from({ length: 7 }, (_, i) => ({ eventId: vc(i + 1), type: 'VERIFICATION_COMPLETE' as const })),
    );
    enqueue(state, [{ eventId: BC, type: 'BOOK_COMPLETE' }]);
    enqueue(state, [{ eventId: AC, type: 'ANALYTICS_COMPLETED' }]);

    const started: string[] = [];
    for (let step = 0; step < 100 && !isFinished(state); step += 1) {
      for (const eventId of nextToStart(state, maxInFlight)) {
        (state.deliveries[eventId] as { phase: DeliveryPhase }).phase = 'running';
        started.push(eventId);
      }
      const running = Object.entries(state.deliveries).filter(([, d]) => d.phase === 'running');
      expect(running.length).toBeLessThanOrEqual(maxInFlight);
      // The oldest running delivery finishes; every third one fails for good.
      const [first] = running;
      if (!first) break;
      first[1].phase = started.indexOf(first[0]) % 3 === 2 ? 'FAILED' : 'DELIVERED';
    }

    expect(isFinished(state)).toBe(true);
    expect(started).toEqual([vc(1), vc(2), vc(3), vc(4), vc(5), vc(6), vc(7), BC, AC]);
    expect(Object.values(state.deliveries).every((d) => d.phase === 'DELIVERED' || d.phase === 'FAILED')).toBe(true);
  });
});

describe('redelivery while an attempt is still running', () => {
  it('delivers again once the running attempt ends', async () => {
    const { enqueue: add, finish: end, nextToStart: next } = await import('../../workflows/delivery-order.js');
    const state = { tenantId: 't', endpointId: asEndpointId('w'), bookUuid: 'b', deliveries: {} };
    const bc1 = asEventId('evt_bc_1');
    add(state, [{ eventId: bc1, type: 'BOOK_COMPLETE' as const }]);
    expect(next(state, 5)).toEqual(['evt_bc_1']);
    (state.deliveries as Record<string, { phase: string }>)['evt_bc_1']!.phase = 'running';
    add(state, [{ eventId: bc1, type: 'BOOK_COMPLETE' as const, redeliver: true }]);
    expect(next(state, 5)).toEqual([]);
    end(state, bc1, 'FAILED');
    expect(next(state, 5)).toEqual(['evt_bc_1']);
    end(state, bc1, 'DELIVERED');
    expect(state.deliveries).toEqual({ evt_bc_1: { type: 'BOOK_COMPLETE', phase: 'DELIVERED' } });
  });
});

describe('compact', () => {
  it('keeps open deliveries and the book-level ones, drops finished VERIFICATION_COMPLETE ones', async () => {
    const { compact: shrink } = await import('../../workflows/delivery-order.js');
    const state = {
      tenantId: 't',
      endpointId: asEndpointId('w'),
      bookUuid: 'b',
      deliveries: {
        vc1: { type: 'VERIFICATION_COMPLETE' as const, phase: 'DELIVERED' as const },
        vc2: { type: 'VERIFICATION_COMPLETE' as const, phase: 'FAILED' as const },
        vc3: { type: 'VERIFICATION_COMPLETE' as const, phase: 'queued' as const },
        bc: { type: 'BOOK_COMPLETE' as const, phase: 'DELIVERED' as const },
      },
    };
    expect(Object.keys(shrink(state).deliveries)).toEqual(['vc3', 'bc']);
    expect(Object.keys(state.deliveries)).toHaveLength(4);
  });
});

describe('held deliveries (their endpoint paused or disabled)', () => {
  it('hold back what comes after them', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'DELIVERED'],
      [vc(2), 'VERIFICATION_COMPLETE', 'HELD'],
      [BC, 'BOOK_COMPLETE', 'queued'],
    ]);
    expect(nextToStart(state, 20)).toEqual([]);
    expect(hasHeld(state)).toBe(true);
    expect(deliveriesStatus(state)).toBe('HELD');
    expect(isFinished(state)).toBe(false);
  });

  it('stay held on a repeated fan-out, and are released in causal order by a redelivery', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'HELD'],
      [vc(2), 'VERIFICATION_COMPLETE', 'HELD'],
      [BC, 'BOOK_COMPLETE', 'HELD'],
    ]);
    enqueue(state, [{ eventId: vc(1), type: 'VERIFICATION_COMPLETE' }]);
    expect(nextToStart(state, 20)).toEqual([]);

    // A resume releases them all in one signal: verifications first, BOOK_COMPLETE once they are done.
    enqueue(state, [
      { eventId: BC, type: 'BOOK_COMPLETE', redeliver: true },
      { eventId: vc(1), type: 'VERIFICATION_COMPLETE', redeliver: true },
      { eventId: vc(2), type: 'VERIFICATION_COMPLETE', redeliver: true },
    ]);
    expect(deliveriesStatus(state)).toBe('DELIVERING');
    expect(nextToStart(state, 20)).toEqual([vc(1), vc(2)]);
    finish(state, vc(1), 'DELIVERED');
    finish(state, vc(2), 'DELIVERED');
    expect(nextToStart(state, 20)).toEqual([BC]);
  });

  it('come back from an attempt that found the endpoint off', () => {
    const state = deliveriesOf([[BC, 'BOOK_COMPLETE', 'running']]);
    finish(state, BC, 'HELD');
    expect(state.deliveries[BC]?.phase).toBe('HELD');
  });

  it('are tried again by a recheck, and kept by compact', () => {
    const state = deliveriesOf([
      [vc(1), 'VERIFICATION_COMPLETE', 'HELD'],
      [vc(2), 'VERIFICATION_COMPLETE', 'DELIVERED'],
      [BC, 'BOOK_COMPLETE', 'HELD'],
    ]);
    expect(Object.keys(compact(state).deliveries)).toEqual([vc(1), BC]);
    recheckHeld(state);
    expect(nextToStart(state, 20)).toEqual([vc(1)]);
    expect(hasHeld(state)).toBe(false);
    expect(hasOpen(state)).toBe(true);
  });
});
