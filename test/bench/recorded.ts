// Acknowledged against recorded: every 202 a CRM got (see acknowledged.ts) must end as rows in PostgreSQL — the
// document in `documents` with its final status, its VERIFICATION_COMPLETE (and the book's BOOK_COMPLETE and
// ANALYTICS_COMPLETED) in `events` — and, per subscribed endpoint, a DELIVERED row in `deliveries`.
import type { Pool } from '../../src/db/pool.js';
import { eventKey, type Acknowledged } from './acknowledged.js';
import { listSome, pollUntil, type Deadline } from './deadline.js';

export interface RecordedComparison {
  acknowledged: ReturnType<Acknowledged['counts']>;
  /** Documents recorded in `documents`, of those acknowledged (uploads and results). */
  documentsRecorded: number;
  documentsExpected: number;
  /** Acknowledged documents with no row in `documents`. */
  documentsMissing: string[];
  /** Acknowledged results whose document is not (yet) in its final status: `<doc> <status>`. */
  documentsNotFinal: string[];
  eventsExpected: number;
  eventsRecorded: number;
  /** Expected events with no row in `events`, by key (`VERIFICATION_COMPLETE <doc>`, `BOOK_COMPLETE <book>`…). */
  eventsMissing: string[];
  /** Per (expected event, endpoint): undefined when no endpoint is subscribed. */
  deliveries?: {
    expected: number;
    delivered: number;
    /** Deliveries not DELIVERED, by status (MISSING: no row at all). */
    notDelivered: Record<string, number>;
    /** Which, by event key and status. */
    notDeliveredKeys: string[];
  };
}

const finalStatus = { SUCCEEDED: 'VERIFICATION_COMPLETE', FAILED: 'REJECTED' } as const;

/** Reads what PostgreSQL holds for the acknowledged books and compares (read-only; one query per table). */
export async function compareRecorded(
  pool: Pool,
  acknowledged: Acknowledged,
  endpointIds: string[] = [],
): Promise<RecordedComparison> {
  const { tenantId } = acknowledged;
  const bookUuids = [...acknowledged.books.keys()];
  const documents = await pool.query<{ doc_uuid: string; status: string }>(
    `select doc_uuid::text, status from documents where tenant_id = $1 and book_uuid = any($2::uuid[])`,
    [tenantId, bookUuids],
  );
  const events = await pool.query<{ event_type: string; book_uuid: string; doc_uuid: string | null }>(
    `select event_type, book_uuid::text, doc_uuid::text from events where tenant_id = $1 and book_uuid = any($2::uuid[])`,
    [tenantId, bookUuids],
  );
  const statusOf = new Map(documents.rows.map((row) => [row.doc_uuid, row.status]));
  const recordedEvents = new Set(events.rows.map((row) => eventKey(row.event_type, row.book_uuid, row.doc_uuid)));

  const documentsExpected = new Set<string>();
  const documentsNotFinal: string[] = [];
  for (const book of acknowledged.books.values()) {
    for (const docUuid of book.uploads) documentsExpected.add(docUuid);
    for (const [docUuid, result] of book.results) {
      documentsExpected.add(docUuid);
      const status = statusOf.get(docUuid);
      if (status !== undefined && status !== finalStatus[result]) documentsNotFinal.push(`${docUuid} ${status}`);
    }
  }
  const documentsMissing = [...documentsExpected].filter((docUuid) => !statusOf.has(docUuid));
  const expectedEvents = acknowledged.expectedEvents();
  const eventsMissing = [...expectedEvents].filter((key) => !recordedEvents.has(key));

  const comparison: RecordedComparison = {
    acknowledged: acknowledged.counts(),
    documentsRecorded: documentsExpected.size - documentsMissing.length,
    documentsExpected: documentsExpected.size,
    documentsMissing,
    documentsNotFinal,
    eventsExpected: expectedEvents.size,
    eventsRecorded: expectedEvents.size - eventsMissing.length,
    eventsMissing,
  };
  if (endpointIds.length > 0) {
    const deliveries = await pool.query<{
      event_type: string;
      book_uuid: string;
      doc_uuid: string | null;
      endpoint_id: string;
      status: string;
    }>(
      `select d.event_type, d.book_uuid::text, e.doc_uuid::text, d.endpoint_id::text, d.status
       from deliveries d join events e using (tenant_id, event_id)
       where d.tenant_id = $1 and d.book_uuid = any($2::uuid[]) and d.endpoint_id = any($3::uuid[])`,
      [tenantId, bookUuids, endpointIds],
    );
    const statusByKey = new Map(
      deliveries.rows.map((row) => [
        `${eventKey(row.event_type, row.book_uuid, row.doc_uuid)} ${row.endpoint_id}`,
        row,
      ]),
    );
    const notDelivered: Record<string, number> = {};
    const notDeliveredKeys: string[] = [];
    let delivered = 0;
    for (const key of expectedEvents) {
      for (const endpointId of endpointIds) {
        const status = statusByKey.get(`${key} ${endpointId}`)?.status ?? 'MISSING';
        if (status === 'DELIVERED') {
          delivered += 1;
          continue;
        }
        notDelivered[status] = (notDelivered[status] ?? 0) + 1;
        notDeliveredKeys.push(`${key} ${status}`);
      }
    }
    comparison.deliveries = {
      expected: expectedEvents.size * endpointIds.length,
      delivered,
      notDelivered,
      notDeliveredKeys,
    };
  }
  return comparison;
}

/** Everything acknowledged is recorded (and, with endpoints, delivered). */
export function allRecorded(comparison: RecordedComparison): boolean {
  return (
    comparison.documentsMissing.length === 0 &&
    comparison.documentsNotFinal.length === 0 &&
    comparison.eventsMissing.length === 0 &&
    (comparison.deliveries?.delivered ?? 0) === (comparison.deliveries?.expected ?? 0)
  );
}

/** One line: acknowledged, recorded, delivered. */
export function summarizeRecorded(comparison: RecordedComparison): string {
  const { acknowledged: a, deliveries: d } = comparison;
  const notDelivered = Object.entries(d?.notDelivered ?? {})
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  return (
    `acknowledged ${a.uploads} uploads, ${a.results} results, ${a.seals} seals over ${a.books} books; ` +
    `recorded ${comparison.documentsRecorded}/${comparison.documentsExpected} documents ` +
    `(${comparison.documentsNotFinal.length} not in their final status), ` +
    `${comparison.eventsRecorded}/${comparison.eventsExpected} events` +
    (d ? `; delivered ${d.delivered}/${d.expected}${notDelivered ? ` (not delivered: ${notDelivered})` : ''}` : '')
  );
}

/** What is missing, one line per kind, naming the first of each. */
export function describeMissing(comparison: RecordedComparison): string {
  const missingEvents = (type: string) =>
    comparison.eventsMissing.filter((key) => key.startsWith(`${type} `)).map((key) => key.slice(type.length + 1));
  const lines = [
    listSome('  acknowledged documents with no row in documents', comparison.documentsMissing),
    listSome('  acknowledged results whose document is not in its final status', comparison.documentsNotFinal),
    listSome('  doc uuids with no VERIFICATION_COMPLETE event', missingEvents('VERIFICATION_COMPLETE')),
    listSome('  sealed books with no BOOK_COMPLETE event', missingEvents('BOOK_COMPLETE')),
    listSome('  sealed books with no ANALYTICS_COMPLETED event', missingEvents('ANALYTICS_COMPLETED')),
  ];
  if (comparison.deliveries) {
    lines.push(listSome('  deliveries not DELIVERED (event, status)', comparison.deliveries.notDeliveredKeys));
  }
  return lines.join('\n');
}

/**
 * Waits until everything acknowledged is recorded (and delivered to `endpointIds`), at most `timeoutMs`; then prints
 * the comparison and returns it, or throws naming what is missing.
 */
export async function waitUntilRecorded(
  pool: Pool,
  acknowledged: Acknowledged,
  options: { stage: string; timeoutMs: number; endpointIds?: string[] },
): Promise<RecordedComparison> {
  const comparison = await pollUntil(
    `${options.stage}: everything acknowledged recorded${options.endpointIds?.length ? ' and delivered' : ''}`,
    options.timeoutMs,
    () => compareRecorded(pool, acknowledged, options.endpointIds),
    allRecorded,
    (last) => `${summarizeRecorded(last)}\n${describeMissing(last)}`,
  );
  console.log(`[${options.stage}] ${summarizeRecorded(comparison)}`);
  return comparison;
}

/**
 * How a phase with bookbell ends once every expected event arrived: every signature held, everything acknowledged is
 * recorded and delivered to `endpointId` (within 30 s of the deadline), and a second passes for the last workflow
 * tasks to close, so the histories the phase then reads are complete.
 */
export async function expectRecordedAndSigned(
  pool: Pool,
  receiver: { forged: number },
  acknowledged: Acknowledged,
  options: { stage: string; deadline: Deadline; endpointId: string },
): Promise<void> {
  const { stage, deadline, endpointId } = options;
  if (receiver.forged > 0) throw new Error(`${stage}: ${receiver.forged} deliveries failed the signature check`);
  await waitUntilRecorded(pool, acknowledged, {
    stage,
    timeoutMs: Math.min(deadline.left(), 30_000),
    endpointIds: [endpointId],
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
