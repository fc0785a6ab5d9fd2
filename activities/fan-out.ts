import type { Client } from '@temporalio/client';
import type { EventType } from '../src/contract/book.js';
import type { EventId } from '../src/contract/ids.js';
import { insertDeliveries } from '../src/db/deliveries.js';
import type { Pool } from '../src/db/pool.js';
import { subscribedEndpoints } from '../src/db/endpoints.js';
import { endpointLabel } from '../src/delivery/email-content.js';
import { eventsToDeliver } from '../src/digests/mail-mode.js';
import { enqueueDeliveries } from '../src/temporal/deliveries.js';

export interface FanOutDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** Handed to new delivery workflows (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
}

/**
 * Creates one delivery per (event, subscribed endpoint) — as the endpoint's mail mode wants: see eventsToDeliver — and hands each endpoint's share to that endpoint's delivery
 * workflow for this book (started on first use). Idempotent: deliveries are inserted once and the workflow ignores
 * events it holds.
 */
export async function fanOut(
  deps: FanOutDeps,
  tenantId: string,
  bookUuid: string,
  events: Array<{ eventId: EventId; type: EventType }>,
): Promise<void> {
  if (events.length === 0) return;
  const endpoints = await subscribedEndpoints(deps.pool, tenantId, [...new Set(events.map((e) => e.type))]);
  for (const endpoint of endpoints) {
    const wanted = eventsToDeliver(endpoint, events);
    if (wanted.length === 0) continue;
    await insertDeliveries(
      deps.pool,
      tenantId,
      bookUuid,
      wanted.map((event) => ({ eventId: event.eventId, eventType: event.type, endpointId: endpoint.id })),
    );
    await enqueueDeliveries(
      deps.temporal,
      deps.taskQueue,
      { tenantId, endpointId: endpoint.id, label: endpointLabel(endpoint), bookUuid, historyLimit: deps.historyLimit },
      wanted,
    );
  }
}
