import type { BookAnalytics } from '../analytics/bank-statements.js';
import { NAME_MAX_CHARS, REASON_MAX_CHARS, type DocumentStatus } from '../contract/book.js';
import { EVENT_BODY_MAX_BYTES, MAX_LISTED_DOCUMENTS, type EventPayload } from '../contract/event-payload.js';
import type { EmittedEvent } from '../../workflows/book-model.js';
import { fitAnalytics } from './analytics-body.js';
import { clipText, fittingPrefix, jsonBytes } from './body-size.js';

/**
 * The body every subscriber receives, built once, stored with the event, sent as is (see the contract's schema). It
 * stays within EVENT_BODY_MAX_BYTES however large the book: texts are clipped to what the API takes, and the lists
 * that grow with the book (documents, analytics) are cut here, saying so and where the whole list is.
 */
export type { EventPayload };

export interface PayloadContext {
  bookName: string;
  /** VERIFICATION_COMPLETE: the document's name, when its upload arrived. */
  docName?: string | null;
  /** BOOK_COMPLETE: every document of the book, in upload order (the body lists the first ones). */
  uploadedDocs?: Array<{ uuid: string; status: DocumentStatus }>;
  /** ANALYTICS_COMPLETED. */
  analytics?: BookAnalytics;
}

/** Where a body's cut lists are whole: GET /v1/books/{book_uuid} (its documents and analytics). */
export const bookPath = (bookUuid: string): string => `/v1/books/${bookUuid}`;

export function buildEventPayload(bookUuid: string, event: EmittedEvent, context: PayloadContext): EventPayload {
  // Names and reasons are clipped to the API's own limits: a no-op for anything it accepted.
  const bookName = clipText(context.bookName, NAME_MAX_CHARS);
  const base = {
    event_id: event.eventId,
    event_name: event.type,
    occurred_at: event.occurredAt,
    notification_type: 'STATUS' as const,
    book_uuid: bookUuid,
    book_name: bookName,
  };
  switch (event.type) {
    case 'VERIFICATION_COMPLETE': {
      const failed = event.result === 'FAILED';
      const docUuid = event.docUuid as string;
      const docName = context.docName == null ? null : clipText(context.docName, NAME_MAX_CHARS);
      const reason = event.reason == null ? null : clipText(event.reason, REASON_MAX_CHARS);
      const label = docName ? `'${docName}'` : docUuid;
      return {
        ...base,
        status: failed ? 'REJECTED' : 'VERIFICATION_COMPLETE',
        severity: failed ? 'MODERATE' : 'LOW',
        notification_reason: failed
          ? `Document ${label} failed verification${reason ? `: ${reason}` : ''}`
          : `Document ${label} was verified`,
        doc_uuid: docUuid,
        uploaded_doc_uuid: docUuid,
        doc_name: docName,
        result: event.result,
        reason,
        document_counts: event.counts,
      };
    }
    case 'BOOK_COMPLETE': {
      const { verified, rejected, total } = event.counts;
      const docs = context.uploadedDocs ?? [];
      const body = {
        ...base,
        status: 'BOOK_COMPLETE' as const,
        severity: rejected > 0 ? ('MODERATE' as const) : ('LOW' as const),
        notification_reason:
          total === 0
            ? `Book '${bookName}' is complete: it was sealed with no documents`
            : `Book '${bookName}' is complete: ${verified} verified, ${rejected} failed`,
        uploaded_docs: [] as typeof docs,
        document_counts: event.counts,
        documents_truncated: false, // measured with `false`, one byte longer than `true`
        // The view lists only the first documents; this list pages through them all.
        documents_url: `${bookPath(bookUuid)}/documents`,
      };
      const listed = fittingPrefix(docs.slice(0, MAX_LISTED_DOCUMENTS), jsonBytes(body), EVENT_BODY_MAX_BYTES);
      return { ...body, uploaded_docs: listed, documents_truncated: listed.length < docs.length };
    }
    case 'ANALYTICS_COMPLETED': {
      const analytics = context.analytics as BookAnalytics;
      const breaks = analytics.continuity_break_count;
      return fitAnalytics({
        ...base,
        status: 'ANALYTICS_COMPLETE' as const,
        severity: breaks > 0 ? ('HIGH' as const) : ('LOW' as const),
        notification_reason:
          `Analytics for book '${bookName}': ${analytics.statement_count} statements over ` +
          `${analytics.account_count} accounts` +
          (breaks > 0 ? `, ${breaks} balance continuity breaks` : ', balances continuous'),
        document_counts: event.counts,
        analytics,
        analytics_truncated: false,
        analytics_url: bookPath(bookUuid),
      });
    }
  }
}
