import type { BenchInfra } from '../bench/harness.js';
import {
  expectedStatus,
  HOSTILE_BEHAVIOURS,
  startHostileReceiver,
  type HostileReceiver,
} from '../support/hostile-receivers.js';
import { drillApi, HOSTILE_ENV, HOSTILE_WINDOW_MS, startDrillCluster } from './cluster.js';

export interface HostileRow {
  behaviour: string;
  expected: 'DELIVERED' | 'FAILED';
  /** Requests the receiver saw, and attempts bookbell logged. */
  requests: number;
  attempts: number;
  outcome: string;
  repeatsAfterSuccess: number;
  /** Deliveries still PENDING once their window has passed (must be 0). */
  open: number;
}

/**
 * One endpoint per behaviour of test/support/hostile-receivers.ts, each subscribed to every book event, and two books
 * run through them; once every window has passed, one row per behaviour.
 */
export async function runHostileReceiversDrill(infra: BenchInfra, books = 2, docs = 2): Promise<HostileRow[]> {
  const cluster = await startDrillCluster(infra, { workers: 1, env: HOSTILE_ENV });
  const receivers: HostileReceiver[] = [];
  const call = drillApi(cluster);
  try {
    const endpoints = new Map<HostileReceiver, string>();
    for (const behaviour of HOSTILE_BEHAVIOURS) {
      const receiver = await startHostileReceiver(behaviour);
      receivers.push(receiver);
      const created = await call('POST', '/v1/endpoints', {
        url: receiver.url,
        events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
      });
      endpoints.set(receiver, created.id as string);
    }
    for (let b = 0; b < books; b++) {
      const { book_uuid: bookUuid } = await call('POST', '/v1/books', { name: `hostile ${b}` });
      for (let d = 0; d < docs; d++) {
        const { doc_uuid: docUuid } = await call('POST', `/v1/books/${bookUuid}/documents`, { name: `d${d}.pdf` });
        await call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, { result: 'SUCCEEDED' });
      }
      await call('POST', `/v1/books/${bookUuid}/seal`);
    }
    const expectedDeliveries = books * (docs + 2);
    const deliveries = async (endpointId: string) =>
      (await call('GET', `/v1/endpoints/${endpointId}/deliveries?limit=100`)).data as Array<{
        status: string;
        attempts: unknown[];
      }>;
    // Every book's last event is recorded within seconds; then each delivery has at most its window (and a timeout).
    const deadline = Date.now() + 60_000 + 3 * HOSTILE_WINDOW_MS;
    for (;;) {
      const all = await Promise.all([...endpoints.values()].map(deliveries));
      const settled = all.every(
        (list) => list.length === expectedDeliveries && list.every((d) => d.status !== 'PENDING'),
      );
      if (settled || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // A while after: anything answered with success that comes again is a repeat.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const rows: HostileRow[] = [];
    for (const [receiver, endpointId] of endpoints) {
      const list = await deliveries(endpointId);
      const byStatus = new Map<string, number>();
      for (const delivery of list) byStatus.set(delivery.status, (byStatus.get(delivery.status) ?? 0) + 1);
      rows.push({
        behaviour: receiver.behaviour.name,
        expected: expectedStatus(receiver.behaviour),
        requests: [...receiver.requests.values()].reduce((sum, n) => sum + n, 0),
        attempts: list.reduce((sum, d) => sum + d.attempts.length, 0),
        outcome: [...byStatus].map(([status, n]) => `${n} ${status}`).join(', ') || 'none',
        repeatsAfterSuccess: receiver.repeatsAfterSuccess,
        open: list.filter((d) => d.status === 'PENDING').length + (expectedDeliveries - list.length),
      });
    }
    return rows;
  } finally {
    for (const receiver of receivers) await receiver.close();
    await cluster.stop();
  }
}

/** Why a row breaks the promise: a repeat after success, a delivery left open, or an outcome other than the rules'. */
export function hostileFailures(row: HostileRow, expectedDeliveries: number): string[] {
  return [
    ...(row.repeatsAfterSuccess > 0 ? [`${row.repeatsAfterSuccess} repeats after success`] : []),
    ...(row.open > 0 ? [`${row.open} still open`] : []),
    ...(row.outcome !== `${expectedDeliveries} ${row.expected}`
      ? [`expected ${row.expected}, got ${row.outcome}`]
      : []),
  ];
}
