import type { BookAnalytics } from '../analytics/bank-statements.js';
import type { BookView } from '../contract/book-view.js';
import { formatDuration } from '../durations.js';
import type { BookStatus, BookSummary, DocumentCounts } from '../contract/book.js';
import type { BookRow } from '../db/books.js';
import type { DocumentRow } from '../db/documents.js';
import type { EventRow } from '../db/events.js';
import type { IgnoredResults } from '../db/ignored-results.js';
import { isComplete } from '../../workflows/book-state.js';

/** What `GET /v1/books/:book_uuid` answers: everything a CRM needs without reading Temporal. */
export type { BookView };

const iso = (date: Date | null) => (date ? date.toISOString() : null);

type DocumentView = BookView['documents'][number];

/** A document as the book view and the stream show it. */
export function toDocumentView(doc: DocumentRow): DocumentView {
  return {
    doc_uuid: doc.doc_uuid,
    name: doc.name,
    mime_type: doc.mime_type,
    size_bytes: doc.size_bytes ? Number(doc.size_bytes) : null,
    status: doc.status,
    result: doc.result,
    reason: doc.reason,
    uploaded_at: iso(doc.uploaded_at),
    verified_at: iso(doc.verified_at),
  };
}

/** An emitted event as the book view and the stream show it (the body itself is in GET …/events). */
export function toEventView(event: EventRow): BookView['events'][number] {
  return {
    event_id: event.event_id,
    event_name: event.event_type,
    doc_uuid: event.doc_uuid,
    occurred_at: event.occurred_at.toISOString(),
    status: event.payload.status,
    severity: event.payload.severity,
    notification_reason: event.payload.notification_reason,
  };
}

export function toBookSummary(row: BookRow, status: BookStatus = row.status, counts?: DocumentCounts): BookSummary {
  // Uploads wake no book: until it completes, the intake log knows of documents its recorded count does not yet hold.
  const total = isComplete({ status }) ? row.document_count : Math.max(row.document_count, row.admitted_count);
  return {
    book_uuid: row.book_uuid,
    name: row.name,
    metadata: row.metadata,
    status,
    created_at: row.created_at.toISOString(),
    document_counts: counts ?? {
      total,
      verified: row.verified_count,
      rejected: row.rejected_count,
      verifying: total - row.verified_count - row.rejected_count,
    },
  };
}

/** What PostgreSQL holds of one book: everything its view is made of. */
export interface StoredBook {
  row: BookRow;
  /** Counted from `documents` (an acknowledged upload counts at once); the row's recorded counts when absent. */
  counts?: DocumentCounts;
  /** The first documents and events the view lists, and where their lists go on (absent: nowhere). */
  docs: DocumentRow[];
  events: EventRow[];
  documentsNextCursor?: string | null;
  eventsNextCursor?: string | null;
  analytics: BookAnalytics | undefined;
  ignored: IgnoredResults;
}

export const NO_IGNORED_RESULTS: IgnoredResults = { count: 0, recent: [] };

/** Why a result changed nothing, in the words the workflow's state used (`ignore()` in workflows/book-state.ts). */
function ignoredReason({ result, decided, times }: IgnoredResults['recent'][number]): string {
  const why = decided
    ? `${result === decided ? 'repeated' : 'conflicting'} result ${result} after ${decided}: the first result stands`
    : 'result for a document the completed book does not hold';
  return times > 1 ? `${why} (${times} times)` : why;
}

/**
 * The book as its GET and the stream's first message show it, from PostgreSQL alone: the workflow's decisions as its
 * activities recorded them (status, documents' statuses, events, seal and completion times), the stored uploads and
 * the intake log.
 */
export function toBookView({
  row,
  counts,
  docs,
  events,
  documentsNextCursor = null,
  eventsNextCursor = null,
  analytics,
  ignored,
}: StoredBook): BookView {
  return {
    ...toBookSummary(row, row.status, counts),
    seal_after: row.seal_after_ms ? formatDuration(Number(row.seal_after_ms)) : null,
    sealed_at: iso(row.sealed_at),
    sealed_by: row.sealed_by,
    completed_at: iso(row.completed_at),
    analyzed_at: iso(row.analyzed_at),
    documents: docs.map(toDocumentView),
    documents_next_cursor: documentsNextCursor,
    events: events.map(toEventView),
    events_next_cursor: eventsNextCursor,
    analytics: analytics ?? null,
    ignored_results: {
      count: ignored.count,
      recent: ignored.recent.map((entry) => ({
        at: entry.at.toISOString(),
        doc_uuid: entry.doc_uuid,
        kind: 'verification' as const,
        reason: ignoredReason(entry),
      })),
    },
  };
}
