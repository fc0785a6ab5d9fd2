import type { BookAnalytics } from '../analytics/bank-statements.js';
import type { DocumentStatus } from '../contract/book.js';
import type { EventPayload } from '../contract/event-payload.js';
import type { EmittedEvent } from '../../workflows/book-state.js';

/** The body every subscriber receives, built once, stored with the event, sent as is (see the contract's schema). */
export type { EventPayload };

export interface PayloadContext {
  bookName: string;
  /** VERIFICATION_COMPLETE: the document's name, when its upload arrived. */
  docName?: string | null;
  /** BOOK_COMPLETE: every document of the book. */
  uploadedDocs?: Array<{ uuid: string; status: DocumentStatus }>;
  /** ANALYTICS_COMPLETED. */
  analytics?: BookAnalytics;
}

export function buildEventPayload(bookUuid: string, event: EmittedEvent, context: PayloadContext): EventPayload {
  const base = {
    event_id: event.eventId,
    event_name: event.type,
    occurred_at: event.occurredAt,
    notification_type: 'STATUS' as const,
    book_uuid: bookUuid,
    book_name: context.bookName,
  };
  switch (event.type) {
    case 'VERIFICATION_COMPLETE': {
      const failed = event.result === 'FAILED';
      const docUuid = event.docUuid as string;
      const label = context.docName ? `'${context.docName}'` : docUuid;
      return {
        ...base,
        status: failed ? 'REJECTED' : 'VERIFICATION_COMPLETE',
        severity: failed ? 'MODERATE' : 'LOW',
        notification_reason: failed
          ? `Document ${label} failed verification${event.reason ? `: ${event.reason}` : ''}`
          : `Document ${label} was verified`,
        doc_uuid: docUuid,
        uploaded_doc_uuid: docUuid,
        doc_name: context.docName ?? null,
        result: event.result,
        reason: event.reason ?? null,
        document_counts: event.counts,
      };
    }
    case 'BOOK_COMPLETE': {
      const { verified, rejected, total } = event.counts;
      return {
        ...base,
        status: 'BOOK_COMPLETE',
        severity: rejected > 0 ? 'MODERATE' : 'LOW',
        notification_reason:
          total === 0
            ? `Book '${context.bookName}' is complete: it was sealed with no documents`
            : `Book '${context.bookName}' is complete: ${verified} verified, ${rejected} failed`,
        uploaded_docs: context.uploadedDocs ?? [],
        document_counts: event.counts,
      };
    }
    case 'ANALYTICS_COMPLETED': {
      const analytics = context.analytics as BookAnalytics;
      const breaks = analytics.continuity_break_count;
      return {
        ...base,
        status: 'ANALYTICS_COMPLETE',
        severity: breaks > 0 ? 'HIGH' : 'LOW',
        notification_reason:
          `Analytics for book '${context.bookName}': ${analytics.statement_count} statements over ` +
          `${analytics.account_count} accounts` +
          (breaks > 0 ? `, ${breaks} balance continuity breaks` : ', balances continuous'),
        document_counts: event.counts,
        analytics,
      };
    }
  }
}
