import { z } from 'zod';
import { BookUuidSchema, DocUuidSchema, EventTypeSchema } from './book.js';
import { EventPayloadSchema } from './event-payload.js';
import { nextCursorSchema, pageQuery } from './page.js';

/** Deliveries of events to endpoints, as `src/api/delivery-view.ts` builds them (its types are these schemas'). */

export const DELIVERY_STATUSES = ['PENDING', 'HELD', 'DELIVERED', 'FAILED'] as const;
export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES).meta({
  description:
    'PENDING while being attempted (or waiting to be); HELD while its endpoint is paused or disabled (sent in order ' +
    'once it is resumed or recovered); DELIVERED on a 2xx; FAILED once retries ran out',
});
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

const deliveryId = z
  .string()
  .meta({ description: '<event_id>.<endpoint_id>; POST /v1/deliveries/{id}/retry takes it' });

/**
 * A delivery id as POST /v1/deliveries/{id}/retry checks it: an event id (`evt_<type>_[<tenant>_]<book>[_<doc>]`), a
 * dot, the endpoint's UUID.
 */
export const DELIVERY_ID = new RegExp(`^evt_[a-z]+_[a-z0-9_-]+\\.${z.regexes.uuid().source.slice(1)}`);
export const DeliveryIdSchema = z
  .string()
  .regex(DELIVERY_ID)
  .meta({ description: '<event_id>.<endpoint_id>: the id a delivery listing gave' });

export const AttemptSchema = z
  .strictObject({
    attempt: z.int().min(1).meta({ description: '1, 2, …; a redelivery continues the numbering' }),
    attempted_at: z.iso.datetime({ offset: true }),
    status_code: z.int().nullable().meta({ description: "The endpoint's HTTP status; null if none was received" }),
    duration_ms: z.int().min(0),
    error: z.string().nullable().meta({ description: 'Why the attempt failed (timeout, refused, non-2xx…)' }),
    response_snippet: z.string().nullable().meta({ description: "The start of the endpoint's answer" }),
  })
  .meta({ id: 'Attempt', description: 'One attempt to deliver an event' });
export type Attempt = z.infer<typeof AttemptSchema>;

export const DeliverySchema = z
  .strictObject({
    id: deliveryId,
    event_id: z.string(),
    event_type: EventTypeSchema,
    endpoint_id: z.uuid(),
    book_uuid: BookUuidSchema,
    status: DeliveryStatusSchema,
    attempts: z.array(AttemptSchema).meta({ description: 'Every attempt, oldest first' }),
    created_at: z.iso.datetime(),
    finished_at: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'When it was DELIVERED or FAILED; null if PENDING or HELD' }),
  })
  .meta({ id: 'Delivery', description: 'An event on its way to one endpoint, with its attempts' });
export type Delivery = z.infer<typeof DeliverySchema>;

export const DeliveryListSchema = z
  .strictObject({
    data: z.array(DeliverySchema).meta({ description: 'Newest first' }),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'DeliveryList', description: 'A page of deliveries, newest first' });

export const AttemptsQuerySchema = pageQuery(50);

export const AttemptPageSchema = z
  .strictObject({
    data: z.array(AttemptSchema).meta({ description: 'Oldest first' }),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'AttemptPage', description: "A page of a delivery's attempts, oldest first" });

export const BookEventSchema = z
  .strictObject({
    event_id: z.string(),
    event_name: EventTypeSchema,
    doc_uuid: DocUuidSchema.nullable(),
    occurred_at: z.iso.datetime(),
    payload: EventPayloadSchema,
    deliveries: z.array(DeliverySchema).meta({ description: 'One per subscribed endpoint' }),
  })
  .meta({ id: 'BookEvent', description: 'An event of the book, the body subscribers receive, and its deliveries' });

/** A book's events come 100 to a page unless asked otherwise: before they paged, a client got them all at once. */
export const BookEventsQuerySchema = pageQuery(100);

export const BookEventListSchema = z
  .strictObject({
    data: z.array(BookEventSchema).meta({ description: 'In the order they were recorded' }),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'BookEventList', description: "A page of a book's events, in the order they were recorded" });

export const RedeliveringSchema = z
  .strictObject({
    redelivering: z.int().min(0).meta({ description: 'Failed and held deliveries sent again' }),
  })
  .meta({ id: 'Redelivering' });

export const RetryAcceptedSchema = z
  .strictObject({ id: deliveryId, status: z.literal('PENDING') })
  .meta({ id: 'RetryAccepted', description: 'The delivery is attempted again, with the same webhook-id' });
