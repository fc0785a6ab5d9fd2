import type { Arrival } from '../bench/receiver.js';
import type { DrillCluster } from './cluster.js';
import type { DrillBook } from './crm.js';

/** One row of the drills' summary. */
export interface DrillOutcome {
  drill: string;
  faults: string;
  /** Requests the CRM had to send again because the API did not answer them. */
  retried: number;
  expected: number;
  /** Expected events that reached the receiver (each counted once). */
  delivered: number;
  /** Expected events not delivered but reported FAILED by the API (only after a retry window ran out). */
  reportedFailed: number;
  /** Arrivals beyond the first of an event: allowed, but only with the same webhook-id. */
  duplicates: number;
  /** Arrivals whose webhook-id differs from the event's id (a repeat a receiver could not drop): must be 0. */
  foreignIds: number;
  /** Expected events neither delivered nor reported failed: must be 0. */
  lost: number;
  seconds: number;
}

/** The events a book must produce: one VERIFICATION_COMPLETE per document, BOOK_COMPLETE, ANALYTICS_COMPLETED. */
function expectedKeys(books: DrillBook[]): Set<string> {
  return new Set(
    books.flatMap(({ bookUuid, docs }) => [
      ...docs.map((doc) => `VERIFICATION_COMPLETE ${doc}`),
      `BOOK_COMPLETE ${bookUuid}`,
      `ANALYTICS_COMPLETED ${bookUuid}`,
    ]),
  );
}

const keyOf = (arrival: Arrival) =>
  `${arrival.eventName} ${arrival.eventName === 'VERIFICATION_COMPLETE' ? arrival.docUuid : arrival.bookUuid}`;

/** Expected events the API reports as FAILED (every delivery of them given up), by the same keys. */
async function reportedFailures(cluster: DrillCluster, books: DrillBook[]): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const { bookUuid } of books) {
    const response = await fetch(`${cluster.apiUrl}/v1/books/${bookUuid}/events`, {
      headers: { authorization: `Bearer ${cluster.apiKey}` },
    }).catch(() => undefined);
    if (!response?.ok) continue;
    const { data } = (await response.json()) as {
      data: Array<{ event_name: string; doc_uuid: string | null; deliveries: Array<{ status: string }> }>;
    };
    for (const event of data) {
      if (event.deliveries.length === 0 || event.deliveries.some((d) => d.status !== 'FAILED')) continue;
      failed.add(`${event.event_name} ${event.event_name === 'VERIFICATION_COMPLETE' ? event.doc_uuid : bookUuid}`);
    }
  }
  return failed;
}

/**
 * Waits until every expected event has arrived (or, with `failuresAllowed`, has arrived or is reported FAILED), at
 * most `timeoutMs`, then counts: what was delivered, repeated, repeated under another id, and lost.
 */
export async function settle(
  cluster: DrillCluster,
  books: DrillBook[],
  row: { drill: string; faults: string; retried: number; startedAt: number },
  options: { timeoutMs: number; failuresAllowed?: boolean },
): Promise<DrillOutcome> {
  const expected = expectedKeys(books);
  const deadline = Date.now() + options.timeoutMs;
  let failed = new Set<string>();
  const missing = () => {
    const arrived = new Set(cluster.receiver.arrivals.map(keyOf));
    return [...expected].filter((key) => !arrived.has(key) && !failed.has(key));
  };
  while (missing().length > 0 && Date.now() < deadline) {
    if (options.failuresAllowed) failed = await reportedFailures(cluster, books);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  // A repeat may still be on its way: give late arrivals a moment, so duplicates are counted, not missed.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const { arrivals } = cluster.receiver;
  const arrived = new Set(arrivals.map(keyOf));
  const delivered = [...expected].filter((key) => arrived.has(key)).length;
  const reportedFailed = [...failed].filter((key) => expected.has(key) && !arrived.has(key)).length;
  return {
    ...row,
    expected: expected.size,
    delivered,
    reportedFailed,
    duplicates: arrivals.length - new Set(arrivals.map((a) => a.webhookId)).size,
    foreignIds: arrivals.filter((a) => a.webhookId !== a.eventId).length,
    lost: expected.size - delivered - reportedFailed,
    seconds: (performance.now() - row.startedAt) / 1000,
  };
}
