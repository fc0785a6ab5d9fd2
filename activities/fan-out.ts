import type { Client } from '@temporalio/client';
import type { EventType } from '../src/contract/book.js';
import type { EventId } from '../src/contract/ids.js';
import { insertDeliveries } from '../src/db/deliveries.js';
import type { Pool } from '../src/db/pool.js';
import { subscribedWebhooks } from '../src/db/webhooks.js';
import { endpointLabel } from '../src/delivery/email-content.js';
import { enqueueDeliveries } from '../src/temporal/deliveries.js';

export interface FanOutDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** Handed to new delivery workflows (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
}

/**
 * Creates one delivery per (event, subscribed endpoint) and hands each endpoint's share to that endpoint's delivery
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
  const webhooks = await subscribedWebhooks(deps.pool, tenantId, [...new Set(events.map((e) => e.type))]);
  for (const webhook of webhooks) {
    const wanted = events.filter((event) => webhook.events.includes(event.type));
    if (wanted.length === 0) continue;
    await insertDeliveries(
      deps.pool,
      tenantId,
      bookUuid,
      wanted.map((event) => ({ eventId: event.eventId, eventType: event.type, webhookId: webhook.id })),
    );
    await enqueueDeliveries(
      deps.temporal,
      deps.taskQueue,
      { tenantId, webhookId: webhook.id, label: endpointLabel(webhook), bookUuid, historyLimit: deps.historyLimit },
      wanted,
    );
  }
}
