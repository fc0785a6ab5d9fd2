import { z } from 'zod';
import { BookAnalyticsSchema } from './analytics.js';
import { DocumentCountsSchema, DocumentStatusSchema, EventTypeSchema, VERIFICATION_RESULTS } from './book.js';

/** The Ocrolus-style `status` of each event: a document's outcome, or the book's status it led to. */
export const EVENT_STATUSES = ['VERIFICATION_COMPLETE', 'REJECTED', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETE'] as const;
export const EVENT_SEVERITIES = ['LOW', 'MODERATE', 'HIGH'] as const;

const eventId = z.string().meta({
  description: 'Stable id: the same book, type and document always give the same id; sent as the webhook-id header',
});
const only = (event: string, description = '') => ({ description: `${event} only${description}` });

/**
 * The body every subscriber receives and `GET /v1/books/{book_uuid}/events` shows: Ocrolus-compatible fields
 * (`event_name`, `status`, `book_uuid`, `book_name`, `doc_uuid`, `uploaded_docs`, `notification_type`, `severity`,
 * `notification_reason`) plus bookbell's own (`event_id`, `occurred_at`, `result`, counts, analytics).
 */
export const EventPayloadSchema = z
  .strictObject({
    event_id: eventId,
    event_name: EventTypeSchema,
    occurred_at: z.iso.datetime(),
    status: z.enum(EVENT_STATUSES).meta({
      description: 'VERIFICATION_COMPLETE or REJECTED (the document), BOOK_COMPLETE, ANALYTICS_COMPLETE',
    }),
    notification_type: z.literal('STATUS'),
    severity: z.enum(EVENT_SEVERITIES).meta({
      description: 'MODERATE for a rejected document or a complete book with rejections; HIGH for balance breaks',
    }),
    notification_reason: z.string().meta({ description: 'One human-readable sentence' }),
    book_uuid: z.string(),
    book_name: z.string(),
    doc_uuid: z.string().optional().meta(only('VERIFICATION_COMPLETE')),
    uploaded_doc_uuid: z.string().optional().meta(only('VERIFICATION_COMPLETE', ': the same as doc_uuid (Ocrolus)')),
    doc_name: z.string().nullable().optional().meta(only('VERIFICATION_COMPLETE', ': null if never uploaded')),
    result: z.enum(VERIFICATION_RESULTS).optional().meta(only('VERIFICATION_COMPLETE')),
    reason: z.string().nullable().optional().meta(only('VERIFICATION_COMPLETE', ': the reason sent with the result')),
    uploaded_docs: z
      .array(z.strictObject({ uuid: z.string(), status: DocumentStatusSchema }))
      .optional()
      .meta(only('BOOK_COMPLETE', ': every document of the book ([] for a book sealed empty)')),
    document_counts: DocumentCountsSchema.optional().meta({ description: 'The counts right after the event' }),
    analytics: BookAnalyticsSchema.optional().meta(only('ANALYTICS_COMPLETED')),
  })
  .meta({ id: 'EventPayload', description: 'An event body, as delivered to webhooks and stored with the event' });
export type EventPayload = z.infer<typeof EventPayloadSchema>;

/** What `POST /v1/webhooks/{id}/test` sends. */
export const TestEventPayloadSchema = z
  .strictObject({
    event_id: z.string().meta({ description: 'evt_test_<random>' }),
    event_name: z.literal('TEST'),
    occurred_at: z.iso.datetime(),
    status: z.literal('TEST'),
    notification_type: z.literal('STATUS'),
    severity: z.literal('LOW'),
    notification_reason: z.string(),
  })
  .meta({ id: 'TestEventPayload', description: 'The body of a test event' });
