import { toDocumentView, toEventView } from '../api/book-view.js';
import { deliveryId } from '../api/delivery-view.js';
import type { BookStatusChange, DeliveryChange } from '../contract/stream.js';
import { findBookAnalytics } from '../db/analytics.js';
import { countDocuments, findChangedRows, type BookChange, type ChangeKind } from '../db/book-changes.js';
import { findBook } from '../db/books.js';
import type { DeliveryRow } from '../db/delivery-records.js';
import type { Pool } from '../db/pool.js';
import { compareCursors, formatCursor } from './change-cursor.js';

/** One Server-Sent Event of a book's stream. */
export interface StreamMessage {
  id: string;
  event: ChangeKind | 'book';
  data: unknown;
}

/** A delivery as the stream shows it: its state, not its attempt log (GET …/events has that). */
export function toDeliveryChange(row: DeliveryRow): DeliveryChange {
  return {
    id: deliveryId(row),
    event_id: row.event_id,
    event_type: row.event_type,
    endpoint_id: row.endpoint_id,
    status: row.status,
    attempt_count: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/**
 * The messages for a run of changes: one per changed item, at the position of its latest change, carrying the item's
 * current state (so five attempts of one delivery in a run become one message with the fifth attempt's outcome).
 */
export async function changeMessages(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  changes: BookChange[],
): Promise<StreamMessage[]> {
  const latest = new Map<string, BookChange>();
  for (const change of changes) {
    const itemKey = `${change.kind}:${change.key}`;
    latest.delete(itemKey);
    latest.set(itemKey, change);
  }
  const ordered = [...latest.values()].sort((a, b) => compareCursors(a.cursor, b.cursor));
  const keysOf = (kind: ChangeKind) => ordered.filter((c) => c.kind === kind).map((c) => c.key);
  const needs = (kind: ChangeKind) => ordered.some((c) => c.kind === kind);
  const [rows, book, counts, analytics] = await Promise.all([
    findChangedRows(pool, tenantId, bookUuid, {
      documents: keysOf('document'),
      events: keysOf('event'),
      deliveries: keysOf('delivery'),
    }),
    needs('book.status') ? findBook(pool, tenantId, bookUuid) : undefined,
    needs('book.status') ? countDocuments(pool, tenantId, bookUuid) : undefined,
    needs('analytics') ? findBookAnalytics(pool, tenantId, bookUuid) : undefined,
  ]);
  const documents = new Map(rows.documents.map((row) => [row.doc_uuid, toDocumentView(row)]));
  const events = new Map(rows.events.map((row) => [row.event_id, toEventView(row)]));
  // Keyed by the change log's plain text keys.
  const deliveries = new Map<string, DeliveryChange>(
    rows.deliveries.map((row) => [deliveryId(row), toDeliveryChange(row)]),
  );
  const bookStatus: BookStatusChange | undefined = book &&
    counts && { book_uuid: book.book_uuid, status: book.status, document_counts: counts };
  const dataOf: Record<ChangeKind, (key: string) => unknown> = {
    document: (key) => documents.get(key),
    event: (key) => events.get(key),
    delivery: (key) => deliveries.get(key),
    'book.status': () => bookStatus,
    analytics: () => analytics,
  };
  return ordered.flatMap((change) => {
    const data = dataOf[change.kind](change.key);
    // Gone since (an endpoint deleted with its deliveries): nothing to show.
    return data === undefined ? [] : [{ id: formatCursor(change.cursor), event: change.kind, data }];
  });
}
