import { z } from 'zod';
import { BookAnalyticsSchema } from './analytics.js';
import { DocumentCountsSchema, DocumentStatusSchema, EventTypeSchema, VERIFICATION_RESULTS } from './book.js';

/** The Ocrolus-style `status` of each event: a document's outcome, or the book's status it led to. */
export const EVENT_STATUSES = ['VERIFICATION_COMPLETE', 'REJECTED', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETE'] as const;
export const EVENT_SEVERITIES = ['LOW', 'MODERATE', 'HIGH'] as const;

/**
 * Every event body (its JSON, UTF-8) and every e-mail text stays within this, however large the book: common proxies
 * refuse bodies over 1 MB with a 413, which is final, so a body that grew with the book would never be delivered.
 */
export const EVENT_BODY_MAX_BYTES = 64 * 1024;
/** BOOK_COMPLETE lists at most this many documents (about 40 KB); the rest are in GET /v1/books/{book_uuid}. */
export const MAX_LISTED_DOCUMENTS = 500;
/** When the analytics do not fit, each account lists at most this many items per list (two years of months). */
export const MAX_LISTED_ITEMS = 24;

const eventId = z.string().meta({
  description: 'Stable id: the same book, type and document always give the same id; sent as the webhook-id header',
});
const only = (event: string, description = '') => ({ description: `${event} only${description}` });

/** Where a cut list is whole, as a path on this API (like Stripe's list `url`); no base URL is configured. */
const bookUrl = (event: string, path: string, whole: string) =>
  z
    .string()
    .optional()
    .meta(only(event, `: a path on this API, ${path}, ${whole}`));

/**
 * The body every subscriber receives and `GET /v1/books/{book_uuid}/events` shows: Ocrolus-compatible fields
 * (`event_name`, `status`, `book_uuid`, `book_name`, `doc_uuid`, `uploaded_docs`, `notification_type`, `severity`,
 * `notification_reason`) plus bookbell's own (`event_id`, `occurred_at`, `result`, counts, analytics). At most
 * EVENT_BODY_MAX_BYTES: lists that grow with the book are cut, say so (`*_truncated`) and where the rest is (`*_url`).
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
      .meta(
        only(
          'BOOK_COMPLETE',
          `: the book's documents in upload order, at most the first ${MAX_LISTED_DOCUMENTS} ([] for a book sealed empty)`,
        ),
      ),
    document_counts: DocumentCountsSchema.optional().meta({ description: 'The counts right after the event' }),
    analytics: BookAnalyticsSchema.optional().meta(
      only(
        'ANALYTICS_COMPLETED',
        `: complete unless analytics_truncated; then each account lists at most ${MAX_LISTED_ITEMS} items per list ` +
          'and only the first accounts that fit are listed (the counts stay those of the whole book)',
      ),
    ),
    documents_truncated: z
      .boolean()
      .optional()
      .meta(only('BOOK_COMPLETE', ': uploaded_docs lists only the first documents; document_counts has them all')),
    documents_url: bookUrl('BOOK_COMPLETE', '/v1/books/{book_uuid}/documents', 'that pages through them all'),
    analytics_truncated: z
      .boolean()
      .optional()
      .meta(only('ANALYTICS_COMPLETED', ': analytics lists only part of the accounts or of their items')),
    analytics_url: bookUrl('ANALYTICS_COMPLETED', '/v1/books/{book_uuid}', 'whose `analytics` has them all'),
  })
  .meta({
    id: 'EventPayload',
    description: `An event body, as delivered to endpoints and stored with the event: at most ${EVENT_BODY_MAX_BYTES} bytes (64 KiB) of JSON`,
  });
export type EventPayload = z.infer<typeof EventPayloadSchema>;

/** What `POST /v1/endpoints/{id}/test` sends. */
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
export type TestEventPayload = z.infer<typeof TestEventPayloadSchema>;
