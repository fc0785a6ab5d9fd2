import { describe, expect, it } from 'vitest';
import { asEndpointId, asEventId } from '../../src/contract/ids.js';
import { EndpointDeliveries, MAX_IN_FLIGHT } from '../../workflows/endpoint-deliveries-state.js';

const BOOK = '6f1c2a9e8d2b4c1e9b7a3f5d4e6a7b8c';
const vc = (n: number) => asEventId(`evt_vc_${BOOK}_${String(n).padStart(32, '0')}`);
const BC = asEventId(`evt_bc_${BOOK}`);
const AC = asEventId(`evt_ac_${BOOK}`);

const fresh = () =>
  new EndpointDeliveries({ tenantId: 'acme', endpointId: asEndpointId('ep_1'), bookUuid: BOOK, deliveries: {} });
const verifications = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ eventId: vc(i + 1), type: 'VERIFICATION_COMPLETE' as const }));

describe('EndpointDeliveries.step', () => {
  it('starts at most MAX_IN_FLIGHT deliveries, and the next ones as running ones finish', () => {
    const deliveries = fresh();
    deliveries.receive(verifications(MAX_IN_FLIGHT + 5));
    const first = deliveries.step(false);
    expect(first.start).toHaveLength(MAX_IN_FLIGHT);
    expect(first.next).toEqual({ kind: 'wait' });
    expect(deliveries.step(false).start).toEqual([]);
    deliveries.finished(vc(1), 'DELIVERED');
    deliveries.finished(vc(2), 'FAILED');
    expect(deliveries.step(false).start).toEqual([vc(MAX_IN_FLIGHT + 1), vc(MAX_IN_FLIGHT + 2)]);
  });

  it('closes once the book’s last event is delivered and nothing is open', () => {
    const deliveries = fresh();
    deliveries.receive([{ eventId: BC, type: 'BOOK_COMPLETE' }]);
    expect(deliveries.step(false).start).toEqual([BC]);
    deliveries.finished(BC, 'DELIVERED');
    deliveries.receive([{ eventId: AC, type: 'ANALYTICS_COMPLETED' }]);
    expect(deliveries.step(false)).toEqual({ start: [AC], retry: [], next: { kind: 'wait' } });
    deliveries.finished(AC, 'FAILED');
    expect(deliveries.step(false)).toEqual({ start: [], retry: [], next: { kind: 'close' } });
  });

  it('waits idle (and may close) when nothing is open but the book has not ended', () => {
    const deliveries = fresh();
    deliveries.receive([{ eventId: BC, type: 'BOOK_COMPLETE' }]);
    deliveries.step(false);
    deliveries.finished(BC, 'DELIVERED');
    expect(deliveries.step(false)).toEqual({ start: [], retry: [], next: { kind: 'wait-idle' } });
  });

  it('past the history limit starts nothing, lets running ones finish, then carries what is open', () => {
    const deliveries = fresh();
    deliveries.receive(verifications(3));
    deliveries.step(false); // all three running
    deliveries.receive([{ eventId: BC, type: 'BOOK_COMPLETE' }]);
    expect(deliveries.step(true)).toEqual({ start: [], retry: [], next: { kind: 'wait' } });
    deliveries.finished(vc(1), 'DELIVERED');
    deliveries.finished(vc(2), 'DELIVERED');
    expect(deliveries.step(true).next).toEqual({ kind: 'wait' });
    deliveries.finished(vc(3), 'FAILED');
    const { start, next } = deliveries.step(true);
    expect(start).toEqual([]);
    expect(next).toEqual({
      kind: 'continue-as-new',
      carried: {
        tenantId: 'acme',
        endpointId: 'ep_1',
        bookUuid: BOOK,
        deliveries: { [BC]: { type: 'BOOK_COMPLETE', phase: 'queued' } },
      },
    });
  });

  it('keeps held deliveries waiting, looks at them again on a recheck, and releases them on a redelivery', () => {
    const deliveries = fresh();
    deliveries.receive([...verifications(1), { eventId: BC, type: 'BOOK_COMPLETE' }]);
    expect(deliveries.step(false).start).toEqual([vc(1)]);
    deliveries.finished(vc(1), 'HELD');
    expect(deliveries.step(false)).toEqual({ start: [], retry: [], next: { kind: 'wait-held' } });
    expect(deliveries.searchAttributes().status).toBe('HELD');
    deliveries.recheckHeld();
    expect(deliveries.step(false).start).toEqual([vc(1)]);
    deliveries.finished(vc(1), 'HELD');
    deliveries.step(false);
    deliveries.receive([{ eventId: vc(1), type: 'VERIFICATION_COMPLETE', redeliver: true }]);
    expect(deliveries.step(false).start).toEqual([vc(1)]);
    deliveries.finished(vc(1), 'DELIVERED');
    expect(deliveries.step(false).start).toEqual([BC]);
  });
});

describe('EndpointDeliveries with retries handed over (first attempts made by the recording activity)', () => {
  it('retries them on their delay and counts their attempt; the book’s event still waits for them', () => {
    const deliveries = fresh();
    deliveries.receive([
      { eventId: vc(1), type: 'VERIFICATION_COMPLETE', retry: { inMs: 5000, attemptsMade: 1 } },
      { eventId: BC, type: 'BOOK_COMPLETE' },
    ]);
    expect(deliveries.step(false)).toEqual({
      start: [],
      retry: [{ eventId: vc(1), inMs: 5000, attemptsMade: 1 }],
      next: { kind: 'wait' },
    });
    deliveries.finished(vc(1), 'DELIVERED');
    expect(deliveries.step(false)).toEqual({ start: [BC], retry: [], next: { kind: 'wait' } });
  });

  it('a repeated hand-over changes nothing, and a redelivery makes a first attempt of its own', () => {
    const deliveries = fresh();
    const handed = { eventId: vc(1), type: 'VERIFICATION_COMPLETE' as const, retry: { inMs: 0, attemptsMade: 1 } };
    deliveries.receive([handed]);
    expect(deliveries.step(false).retry).toHaveLength(1);
    deliveries.receive([handed]);
    expect(deliveries.step(false)).toMatchObject({ start: [], retry: [] });
    deliveries.finished(vc(1), 'FAILED');
    deliveries.receive([{ eventId: vc(1), type: 'VERIFICATION_COMPLETE', redeliver: true }]);
    expect(deliveries.step(false)).toMatchObject({ start: [vc(1)], retry: [] });
  });
});

describe('EndpointDeliveries news (the workflow’s wake-up)', () => {
  it('is raised by a signal, an attempt’s end or an activity lost, and cleared by step', () => {
    const deliveries = fresh();
    expect(deliveries.hasNews).toBe(false);
    deliveries.receive(verifications(2));
    expect(deliveries.hasNews).toBe(true);
    deliveries.step(false);
    expect(deliveries.hasNews).toBe(false);
    deliveries.finished(vc(1), 'DELIVERED');
    expect(deliveries.hasNews).toBe(true);
    deliveries.step(false);
    deliveries.abandoned([vc(1), vc(2)]);
    expect(deliveries.hasNews).toBe(true);
  });

  it('abandoned gives up only the deliveries still running', () => {
    const deliveries = fresh();
    deliveries.receive(verifications(2));
    deliveries.step(false);
    deliveries.finished(vc(1), 'DELIVERED');
    deliveries.abandoned([vc(1), vc(2)]);
    expect(deliveries.state.deliveries[vc(1)]?.phase).toBe('DELIVERED');
    expect(deliveries.state.deliveries[vc(2)]?.phase).toBe('FAILED');
    expect(deliveries.searchAttributes()).toEqual({ status: 'FAILED', types: ['VERIFICATION_COMPLETE'] });
  });
});
