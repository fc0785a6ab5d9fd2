import type { Digest } from '../contract/digests.js';
import type { ListedDigest } from '../db/digests.js';
import type { Delivery } from '../contract/deliveries.js';
import { deliveryIdOf, type DeliveryId, type EndpointId, type EventId } from '../contract/ids.js';
import type { DeliveryRow } from '../db/delivery-records.js';
import type { AttemptRow } from '../db/delivery-lists.js';

/** A delivery's id in the API: its event and its endpoint. */
export const deliveryId = (row: { event_id: EventId; endpoint_id: EndpointId }): DeliveryId =>
  deliveryIdOf(row.event_id, row.endpoint_id);

/** The API form of a delivery and its attempts. */
/** A digest as GET /v1/endpoints/{id}/digests lists it. */
export function toDigest(row: ListedDigest): Digest {
  return {
    id: row.id,
    local_day: row.local_day,
    event_count: row.event_count,
    status: row.status,
    attempts: row.attempt_log,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

export function toDelivery(row: DeliveryRow & { attempt_log: AttemptRow[] }): Delivery {
  return {
    id: deliveryId(row),
    event_id: row.event_id,
    event_type: row.event_type,
    endpoint_id: row.endpoint_id,
    book_uuid: row.book_uuid,
    status: row.status,
    attempts: row.attempt_log,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}
