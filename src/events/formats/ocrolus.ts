import type { RenderableEvent } from './summary.js';

/**
 * Ocrolus's own event names for bookbell's events (its account-level webhooks; docs/endpoints.md has the table): a
 * CRM that already handles Ocrolus webhooks reads these bodies as it reads Ocrolus's.
 */
export const OCROLUS_EVENT_NAMES = {
  VERIFICATION_COMPLETE: 'DOC_VERIFIED',
  BOOK_COMPLETE: 'BOOK_VERIFIED',
  ANALYTICS_COMPLETED: 'ANALYTICS_COMPLETED',
  TEST: 'TEST',
} as const;

/**
 * The `ocrolus` body: only the fields of Ocrolus's webhook bodies, under its names (no bookbell extras such as
 * `event_id` or `occurred_at`: like Ocrolus, the event's id and time travel in the signing headers). Ocrolus also
 * sends numeric `book_pk` / `uploaded_doc_pk`, which bookbell has no equivalent of: they are left out, not invented.
 */
export function renderOcrolus(event: RenderableEvent): Record<string, unknown> {
  const common = {
    event_name: OCROLUS_EVENT_NAMES[event.event_name],
    severity: event.severity,
    notification_type: event.notification_type,
    notification_reason: event.notification_reason,
  };
  switch (event.event_name) {
    case 'TEST':
      return { ...common, status: event.status };
    case 'VERIFICATION_COMPLETE':
      return {
        ...common,
        status: event.status,
        book_uuid: event.book_uuid,
        book_name: event.book_name,
        doc_uuid: event.doc_uuid,
        uploaded_doc_uuid: event.uploaded_doc_uuid,
      };
    case 'BOOK_COMPLETE':
      return {
        ...common,
        status: event.status,
        book_uuid: event.book_uuid,
        book_name: event.book_name,
        uploaded_docs: event.uploaded_docs ?? [],
      };
    case 'ANALYTICS_COMPLETED':
      // Ocrolus documents no status of its own for this event: the book is complete when its analytics are.
      return { ...common, status: 'BOOK_COMPLETE', book_uuid: event.book_uuid, book_name: event.book_name };
  }
}
