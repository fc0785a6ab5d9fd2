import { z } from 'zod';

/**
 * The delivery module's ids, branded so the compiler refuses one where another is expected (an event id passed as a
 * delivery id, an endpoint id as an event id). Plain strings on the wire; a value becomes branded where it enters:
 * parsed at the API, read from the database, or built by the functions below.
 */

/** An event: `evt_<type>_[<tenant>_]<book>[_<doc>]`, or `evt_test_<hex>` for a test event. */
export const EventIdSchema = z.string().startsWith('evt_').brand<'EventId'>();
export type EventId = z.infer<typeof EventIdSchema>;

/** An endpoint (a URL or an e-mail address): a lower-case UUID; plain on the wire (responses, the client's types). */
export const EndpointUuidSchema = z
  .uuid({ error: 'endpoint id must be a UUID' })
  .overwrite((value) => value.toLowerCase());
export const EndpointIdSchema = EndpointUuidSchema.brand<'EndpointId'>();
export type EndpointId = z.infer<typeof EndpointIdSchema>;

/** One event's delivery to one endpoint: `<event_id>.<endpoint_id>`. */
export type DeliveryId = string & z.$brand<'DeliveryId'>;

/** The id of `eventId`'s delivery to `endpointId`. */
export const deliveryIdOf = (eventId: EventId, endpointId: EndpointId): DeliveryId =>
  `${eventId}.${endpointId}` as DeliveryId;

/** Where the database or a trusted internal message hands back ids it stored: no parsing, only the type. */
export const asEventId = (value: string): EventId => value as EventId;
export const asEndpointId = (value: string): EndpointId => value as EndpointId;
