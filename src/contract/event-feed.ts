import { z } from 'zod';
import { BookUuidSchema, DocUuidSchema, EventTypeSchema } from './book.js';
import { EventPayloadSchema } from './event-payload.js';
import { nextCursorSchema, PageCursorSchema, PageLimitSchema } from './page.js';
import { LAST_EVENT_ID, LastEventIdSchema } from './stream.js';

/**
 * `GET /v1/events` and `GET /v1/events/stream`: every event of the tenant's books in one order. A position in it is
 * "<xid>-<seq>" (the writing transaction and the event's sequence number); the list's `cursor` of an event and the
 * stream's `id:` of it are the same string, so a client catches up with the list and goes on with the stream.
 */

const filters = {
  type: EventTypeSchema.optional().meta({ description: 'Only events of this type' }),
  book_uuid: BookUuidSchema.optional().meta({ description: 'Only events of this book' }),
};

export const EventFeedQuerySchema = z.strictObject({
  // Checked as a position (parseCursor): the document says which form that is.
  after: PageCursorSchema.meta({ override: { pattern: LAST_EVENT_ID.source } })
    .optional()
    .meta({
      description: "The events after this position: a page's next_cursor, an event's cursor, or a stream message's id",
    }),
  ...filters,
  limit: PageLimitSchema,
});

export const EventStreamQuerySchema = z.strictObject({
  ...filters,
  last_event_id: LastEventIdSchema.optional().meta({ description: 'Resume after this position (as Last-Event-ID)' }),
});

export const FeedEventSchema = z
  .strictObject({
    cursor: z.string().regex(LAST_EVENT_ID).meta({
      description: "The event's position: pass as `after` for the events after it, or as Last-Event-ID to the stream",
    }),
    event_id: z.string(),
    event_name: EventTypeSchema,
    book_uuid: BookUuidSchema,
    doc_uuid: DocUuidSchema.nullable().meta({ description: 'The document of a VERIFICATION_COMPLETE; else null' }),
    occurred_at: z.iso.datetime(),
    payload: EventPayloadSchema,
  })
  .meta({ id: 'FeedEvent', description: "An event of one of the tenant's books, with the body its endpoints carry" });
export type FeedEvent = z.infer<typeof FeedEventSchema>;

export const EventFeedPageSchema = z
  .strictObject({
    data: z.array(FeedEventSchema).meta({ description: 'Oldest first' }),
    next_cursor: nextCursorSchema('after', "null when caught up: poll later with the last event's cursor"),
  })
  .meta({ id: 'EventFeedPage', description: "A page of the tenant's events, oldest first" });

/** The `event:` name of every message of `GET /v1/events/stream`; its `data:` is a FeedEvent, its `id:` the cursor. */
export const FEED_STREAM_EVENT = 'event';
