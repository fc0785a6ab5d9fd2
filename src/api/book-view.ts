import type { BookAnalytics } from '../analytics/bank-statements.js';
import type { BookView } from '../contract/book-view.js';
import { formatDuration } from '../durations.js';
import type { BookStatus, BookSummary, DocumentCounts, DocumentStatus } from '../contract/book.js';
import type { BookRow } from '../db/books.js';
import type { DocumentRow } from '../db/documents.js';
import type { EventRow } from '../db/events.js';
import type { BookState } from '../../workflows/book-state.js';

/** What `GET /v1/books/:book_uuid` answers: everything a CRM needs without reading Temporal. */
export type { BookView };

const iso = (date: Date | null) => (date ? date.toISOString() : null);

type DocumentView = BookView['documents'][number];

/** A document as the book view and the stream show it; `status` defaults to the stored one. */
export function toDocumentView(doc: DocumentRow, status: DocumentStatus = doc.status): DocumentView {
  return {
    doc_uuid: doc.doc_uuid,
    name: doc.name,
    mime_type: doc.mime_type,
    size_bytes: doc.size_bytes ? Number(doc.size_bytes) : null,
    status,
    result: doc.result,
    reason: doc.reason,
    uploaded_at: iso(doc.uploaded_at),
    verified_at: iso(doc.verified_at),
  };
}

/** A document the workflow knows of before Postgres does: its status only. */
const UNSTORED_DOCUMENT = {
  name: null,
  mime_type: null,
  size_bytes: null,
  result: null,
  reason: null,
  uploaded_at: null,
  verified_at: null,
};

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
  const total = row.document_count;
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

/**
 * The workflow's state is the truth for statuses; Postgres adds what the workflow does not keep (names, reasons,
 * event bodies, analytics). A document the workflow knows but Postgres not yet shows with its status only.
 */
export function toBookView(
  row: BookRow,
  state: BookState | undefined,
  docs: DocumentRow[],
  events: EventRow[],
  analytics: BookAnalytics | undefined,
): BookView {
  const stored = new Map(docs.map((doc) => [doc.doc_uuid, doc]));
  const statuses = state?.docs ?? Object.fromEntries(docs.map((doc) => [doc.doc_uuid, doc.status]));
  const ordered = [...docs.map((doc) => doc.doc_uuid), ...Object.keys(statuses).filter((id) => !stored.has(id))];
  return {
    ...toBookSummary(row, state?.status ?? row.status, state?.counts),
    seal_after: row.seal_after_ms ? formatDuration(Number(row.seal_after_ms)) : null,
    sealed_at: state?.sealedAt ?? null,
    sealed_by: state?.sealedBy ?? null,
    completed_at: state?.completedAt ?? null,
    analyzed_at: state?.analyzedAt ?? null,
    documents: ordered
      .filter((docUuid) => statuses[docUuid] !== undefined)
      .map((docUuid) => {
        const doc = stored.get(docUuid);
        const status = statuses[docUuid] as DocumentStatus;
        return doc ? toDocumentView(doc, status) : { ...UNSTORED_DOCUMENT, doc_uuid: docUuid, status };
      }),
    events: events.map(toEventView),
    analytics: analytics ?? null,
    ignored_results: {
      count: state?.ignoredCount ?? 0,
      recent: (state?.ignored ?? []).map(({ docUuid, ...rest }) => ({ ...rest, doc_uuid: docUuid })),
    },
  };
}
