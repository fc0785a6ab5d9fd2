import { z } from 'zod';
import { BookAnalyticsSchema } from './analytics.js';
import { BookViewSchema, DocumentViewSchema, EventViewSchema } from './book-view.js';
import { BookStatusSchema, BookUuidSchema, DocumentCountsSchema, EventTypeSchema } from './book.js';
import { DeliveryStatusSchema } from './deliveries.js';

/**
 * `GET /v1/books/{book_uuid}/stream` (Server-Sent Events): the `data:` of each `event:` type. Items carry their key
 * (doc_uuid, event_id, delivery id) so a client applies each message as "replace this item".
 */

/**
 * `Last-Event-ID` / `last_event_id`: the `id:` of the last message a client saw, "<xid>-<id>" (a position in the
 * book's change log; clients treat it as opaque and only send it back).
 */
/** "<xid>-<id>": the writing transaction (xid8, up to 20 digits) and the change's row (bigint, up to 19). */
export const LAST_EVENT_ID = /^(\d{1,20})-(\d{1,19})$/;

export const LastEventIdSchema = z
  .string()
  .regex(LAST_EVENT_ID, { error: 'must be the id of a message this stream sent' })
  .meta({ description: 'Resume after this message id: the changes after it are replayed, without a snapshot' });

/**
 * One message of a Server-Sent Events stream, as a client's parser yields it: the stream's descriptions say which
 * `event:` names there are and what each one's `data:` holds (JSON text).
 */
export const ServerSentEventSchema = z
  .object({
    id: z.string().optional().meta({ description: 'Send back as Last-Event-ID to resume after this message' }),
    event: z.string().optional().meta({ description: 'The kind of message' }),
    data: z.string().meta({ description: "The message's JSON" }),
    retry: z.int().min(0).optional().meta({ description: 'Milliseconds to wait before reconnecting' }),
  })
  .meta({ id: 'ServerSentEvent' });

export const BookStatusChangeSchema = z
  .strictObject({ book_uuid: BookUuidSchema, status: BookStatusSchema, document_counts: DocumentCountsSchema })
  .meta({ id: 'BookStatusChange', description: "The book's status and document counts after a change" });

export const DeliveryChangeSchema = z
  .strictObject({
    id: z.string().meta({ description: '<event_id>.<endpoint_id>' }),
    event_id: z.string(),
    event_type: EventTypeSchema,
    endpoint_id: z.uuid(),
    status: DeliveryStatusSchema,
    attempt_count: z.int().min(0),
    last_status_code: z.int().nullable(),
    last_error: z.string().nullable(),
    finished_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'DeliveryChange', description: "A delivery's state after an attempt (GET …/events has the attempts)" });

/** Each SSE `event:` name and the schema of its `data:` (JSON). */
export const STREAM_EVENTS = {
  /** The snapshot, first when a stream starts without Last-Event-ID: the same body as GET /v1/books/{book_uuid}. */
  book: BookViewSchema,
  document: DocumentViewSchema,
  'book.status': BookStatusChangeSchema,
  event: EventViewSchema,
  delivery: DeliveryChangeSchema,
  analytics: BookAnalyticsSchema,
} as const;
export type StreamEventName = keyof typeof STREAM_EVENTS;
export type StreamEventData<N extends StreamEventName> = z.infer<(typeof STREAM_EVENTS)[N]>;
export type ParsedStreamMessage = { [N in StreamEventName]: { event: N; data: StreamEventData<N> } }[StreamEventName];
export type BookStatusChange = z.infer<typeof BookStatusChangeSchema>;
export type DeliveryChange = z.infer<typeof DeliveryChangeSchema>;

export const isStreamEventName = (name: string): name is StreamEventName => Object.hasOwn(STREAM_EVENTS, name);

/** Parses one received message (`event:` name and raw `data:`); throws on an unknown event or a body that differs. */
export function parseStreamMessage(event: string, data: string): ParsedStreamMessage {
  if (!isStreamEventName(event)) throw new Error(`unknown stream event "${event}"`);
  return { event, data: STREAM_EVENTS[event].parse(JSON.parse(data)) } as ParsedStreamMessage;
}
