import type { Acknowledged } from '../bench/acknowledged.js';
import {
  allRecorded,
  compareRecorded,
  describeMissing,
  summarizeRecorded,
  type RecordedComparison,
} from '../bench/recorded.js';
import type { Arrival } from '../bench/receiver.js';
import { countTaskFailures, tenantWorkflows, type TaskFailures } from '../bench/task-failures.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import type { DrillCluster } from './cluster.js';
import type { DrillBook } from './crm.js';

/** Whether a drill's outcome fails it: anything lost, a foreign id, unrecorded, or a workflow task failure. */
export function drillFailures(outcome: DrillOutcome): string[] {
  const reasons: string[] = [];
  if (outcome.lost > 0) reasons.push(`${outcome.lost} lost`);
  if (outcome.foreignIds > 0) reasons.push(`${outcome.foreignIds} repeats under another id`);
  if (outcome.unrecorded > 0) reasons.push(`${outcome.unrecorded} acknowledged but not recorded`);
  if (outcome.taskFailures.failed > 0) reasons.push(`${outcome.taskFailures.failed} WorkflowTaskFailed`);
  if (outcome.taskFailures.timedOut > 0 && !outcome.taskTimeoutsExpected) {
    reasons.push(`${outcome.taskFailures.timedOut} WorkflowTaskTimedOut without a fault that explains it`);
  }
  return reasons;
}

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
  /** Acknowledged uploads, results and book events missing in PostgreSQL (documents, events): must be 0. */
  unrecorded: number;
  /** Expected deliveries whose row in `deliveries` is not DELIVERED (FAILED past a retry window, PENDING, none). */
  notDelivered: number;
  /** The PostgreSQL comparison in a line, and what is missing. */
  recorded: string;
  /** WorkflowTaskFailed / WorkflowTaskTimedOut in every history of the drill's tenant (books and deliveries). */
  taskFailures: TaskFailures;
  /** The drill kills a worker or the server, so a workflow task may time out (never fail). */
  taskTimeoutsExpected: boolean;
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
 * most `timeoutMs`, then counts: what was delivered, repeated, repeated under another id, and lost; compares what the
 * CRM was acknowledged with PostgreSQL (documents, events, deliveries); and counts the workflow task failures in
 * every history the drill's tenant ran.
 */
export async function settle(
  cluster: DrillCluster,
  books: DrillBook[],
  row: { drill: string; faults: string; retried: number; startedAt: number },
  options: {
    timeoutMs: number;
    failuresAllowed?: boolean;
    acknowledged: Acknowledged;
    taskTimeoutsExpected?: boolean;
  },
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
  // What the CRM was acknowledged must be in PostgreSQL, delivered (or, past a window, FAILED): a few seconds' grace
  // for the last rows, within the drill's own deadline.
  const { pool, client } = cluster.infra;
  const endpointIds = [cluster.endpointId];
  // Past a retry window a delivery may end FAILED instead of DELIVERED; nothing else may be missing.
  const settled = (c: RecordedComparison) =>
    allRecorded(c) ||
    (options.failuresAllowed === true &&
      c.documentsMissing.length + c.documentsNotFinal.length + c.eventsMissing.length === 0 &&
      Object.keys(c.deliveries?.notDelivered ?? {}).every((status) => status === 'FAILED'));
  let comparison = await compareRecorded(pool, options.acknowledged, endpointIds);
  const recordedBy = Math.min(deadline, Date.now() + 15_000);
  while (!settled(comparison) && Date.now() < recordedBy) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    comparison = await compareRecorded(pool, options.acknowledged, endpointIds);
  }
  const deliveries = comparison.deliveries;
  const taskFailures = await countTaskFailures(client, tenantWorkflows(cluster.tenantId), {
    expectedIds: books.map(({ bookUuid }) => bookWorkflowId(cluster.tenantId, bookUuid)),
  });
  return {
    ...row,
    expected: expected.size,
    delivered,
    reportedFailed,
    duplicates: arrivals.length - new Set(arrivals.map((a) => a.endpointId)).size,
    foreignIds: arrivals.filter((a) => a.endpointId !== a.eventId).length,
    lost: expected.size - delivered - reportedFailed,
    unrecorded:
      comparison.documentsMissing.length + comparison.documentsNotFinal.length + comparison.eventsMissing.length,
    notDelivered: (deliveries?.expected ?? 0) - (deliveries?.delivered ?? 0),
    recorded: `${summarizeRecorded(comparison)}${settled(comparison) ? '' : `\n${describeMissing(comparison)}`}`,
    taskFailures,
    taskTimeoutsExpected: options.taskTimeoutsExpected ?? false,
    seconds: (performance.now() - row.startedAt) / 1000,
  };
}
