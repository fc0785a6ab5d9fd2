import { z } from 'zod';
import { BookAnalyticsSchema } from './analytics.js';
import {
  BookSummarySchema,
  BookUuidSchema,
  DocumentStatusSchema,
  DocUuidSchema,
  EventTypeSchema,
  VERIFICATION_RESULTS,
} from './book.js';
import { EVENT_SEVERITIES, EVENT_STATUSES } from './event-payload.js';
import { nextCursorSchema, pageQuery } from './page.js';

/**
 * How many documents and events the book view lists: it stays one bounded answer for a book of any size, and the rest
 * page on from its `documents_next_cursor` and `events_next_cursor`.
 */
export const BOOK_VIEW_LIST_MAX = 100;

/** What the book routes answer (`src/api/book-view.ts` builds them; its types are these schemas'). */

const time = z.iso.datetime();

export const DocumentViewSchema = z
  .strictObject({
    doc_uuid: DocUuidSchema,
    name: z.string().nullable().meta({ description: 'null while only a verification result has named the document' }),
    mime_type: z.string().nullable(),
    size_bytes: z.int().min(0).nullable(),
    status: DocumentStatusSchema.meta({
      description: 'VERIFYING until the first result; then VERIFICATION_COMPLETE (succeeded) or REJECTED (failed)',
    }),
    result: z.enum(VERIFICATION_RESULTS).nullable().meta({ description: 'The first verification result, if any' }),
    reason: z.string().nullable().meta({ description: 'The reason sent with the first result' }),
    uploaded_at: time.nullable(),
    verified_at: time.nullable(),
  })
  .meta({ id: 'DocumentView', description: 'A document of the book and its state' });

export const EventViewSchema = z
  .strictObject({
    event_id: z.string().meta({
      description:
        'Stable and unique across tenants: evt_vc_<tenant>_<book>_<doc>, evt_bc_<tenant>_<book>, evt_ac_<tenant>_<book> (books started before: without <tenant>); deliveries send it as webhook-id',
    }),
    event_name: EventTypeSchema,
    doc_uuid: DocUuidSchema.nullable().meta({ description: 'The document of a VERIFICATION_COMPLETE; else null' }),
    occurred_at: time,
    status: z.enum(EVENT_STATUSES),
    severity: z.enum(EVENT_SEVERITIES),
    notification_reason: z.string().meta({ description: 'One human-readable sentence' }),
  })
  .meta({ id: 'EventView', description: 'An event the book emitted; GET …/events has its full body and deliveries' });

export const IgnoredResultSchema = z
  .strictObject({
    at: time,
    doc_uuid: DocUuidSchema,
    kind: z.literal('verification'),
    reason: z.string().meta({
      description: 'Why it changed nothing, e.g. a repeated or conflicting result; "(3 times)" when it came again',
    }),
  })
  .meta({ id: 'IgnoredResult', description: 'A verification result that did not change the book' });

export const BookViewSchema = z
  .strictObject({
    ...BookSummarySchema.shape,
    seal_after: z
      .string()
      .nullable()
      .meta({ description: 'Seals by itself after this long without uploads or results, e.g. "2h"' }),
    sealed_at: time.nullable(),
    sealed_by: z.enum(['request', 'seal_after']).nullable(),
    completed_at: time.nullable().meta({ description: 'When BOOK_COMPLETE was emitted' }),
    analyzed_at: time.nullable().meta({ description: 'When ANALYTICS_COMPLETED was emitted' }),
    documents: z.array(DocumentViewSchema).meta({
      description: `The first ${BOOK_VIEW_LIST_MAX} documents in the order they were first stored; document_counts counts them all`,
    }),
    documents_next_cursor: z.string().nullable().meta({
      description:
        'More documents: pass as `cursor` to GET /v1/books/{book_uuid}/documents; null when documents lists them all',
    }),
    events: z
      .array(EventViewSchema)
      .meta({ description: `The first ${BOOK_VIEW_LIST_MAX} events, in the order they were recorded` }),
    events_next_cursor: z.string().nullable().meta({
      description: 'More events: pass as `cursor` to GET /v1/books/{book_uuid}/events; null when events lists them all',
    }),
    analytics: BookAnalyticsSchema.nullable().meta({ description: 'Once ANALYTICS_COMPLETED was emitted; else null' }),
    ignored_results: z.strictObject({
      count: z.int().min(0).meta({ description: 'Every ignored arrival, repeats included' }),
      recent: z.array(IgnoredResultSchema).meta({
        description: 'The latest (at most 20), oldest first: one per document and result, at its latest arrival',
      }),
    }),
  })
  .meta({ id: 'BookView', description: 'A book with its documents, events and analytics' });
export type BookView = z.infer<typeof BookViewSchema>;

export const BookPageSchema = z
  .strictObject({
    data: z.array(BookSummarySchema),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'BookPage', description: 'A page of books, newest first' });

/** A book's documents come 100 to a page unless asked otherwise, as many as the book view lists. */
export const DocumentsQuerySchema = pageQuery(BOOK_VIEW_LIST_MAX);

export const DocumentPageSchema = z
  .strictObject({
    data: z.array(DocumentViewSchema).meta({ description: 'In the order they were first stored' }),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'DocumentPage', description: "A page of a book's documents, in the order they were first stored" });

export const UploadAcceptedSchema = z
  .strictObject({ doc_uuid: DocUuidSchema, status: DocumentStatusSchema })
  .meta({ id: 'UploadAccepted', description: 'The book accepted the document (a repeat gives its current status)' });

export const VerificationAcceptedSchema = z.strictObject({ doc_uuid: DocUuidSchema, accepted: z.literal(true) }).meta({
  id: 'VerificationAccepted',
  description: "Temporal durably holds the result; only a document's first result counts",
});

export const SealRequestedSchema = z
  .strictObject({ book_uuid: BookUuidSchema, seal_requested: z.literal(true) })
  .meta({ id: 'SealRequested', description: 'The book seals (idempotent); its status shows SEALED once it has' });
