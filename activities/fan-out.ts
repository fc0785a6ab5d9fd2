import type { Client } from '@temporalio/client';
import type { EventType } from '../src/contract/book.js';
import type { EventId } from '../src/contract/ids.js';
import { insertDeliveries } from '../src/db/deliveries.js';
import { loadFilterSubjects } from '../src/db/events.js';
import { inTransaction, type Pool } from '../src/db/pool.js';
import { recordFilterSkips, subscribedEndpoints } from '../src/db/endpoints.js';
import { endpointLabel } from '../src/delivery/email-content.js';
import { eventsToDeliver } from '../src/digests/mail-mode.js';
import { filterMatches } from '../src/events/filter.js';
import { enqueueDeliveries } from '../src/temporal/deliveries.js';

export interface FanOutDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** Handed to new delivery workflows (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
}

/**
 * Creates one delivery per (event, subscribed endpoint whose filter takes it) and hands each endpoint's share to that
 * endpoint's delivery workflow for this book (started on first use). An event a filter skips gets no delivery; the
 * skip is recorded and counted with the endpoint's other deliveries, in one transaction. Idempotent: deliveries and
 * skips are recorded once and the workflow ignores events it holds.
 */
export async function fanOut(
  deps: FanOutDeps,
  tenantId: string,
  bookUuid: string,
  events: Array<{ eventId: EventId; type: EventType }>,
): Promise<void> {
  if (events.length === 0) return;
  const endpoints = await subscribedEndpoints(deps.pool, tenantId, [...new Set(events.map((e) => e.type))]);
  // Filters read the stored bodies, the book's metadata and the documents: loaded only when some endpoint has one.
  const subjects = endpoints.some((endpoint) => endpoint.filter !== null)
    ? await loadFilterSubjects(
        deps.pool,
        tenantId,
        bookUuid,
        events.map((event) => event.eventId),
      )
    : undefined;
  for (const endpoint of endpoints) {
    // As its mail mode wants: a `book` address only the book's last event, a `daily` one none (see eventsToDeliver).
    const subscribed = eventsToDeliver(endpoint, events);
    if (subscribed.length === 0) continue;
    const takes = (eventId: EventId) => {
      if (endpoint.filter === null) return true;
      const subject = subjects?.get(eventId);
      // Recorded in the same activity before the fan-out: a missing one is a bug, and the retry will tell.
      if (!subject) throw new Error(`event ${eventId} of book ${bookUuid} is not stored`);
      return filterMatches(endpoint.filter, subject);
    };
    const wanted = subscribed.filter((event) => takes(event.eventId));
    const skipped = subscribed.filter((event) => !wanted.includes(event)).map((event) => event.eventId);
    const rows = wanted.map((event) => ({ eventId: event.eventId, eventType: event.type, endpointId: endpoint.id }));
    if (skipped.length === 0) {
      await insertDeliveries(deps.pool, tenantId, bookUuid, rows);
    } else {
      await inTransaction(deps.pool, async (client) => {
        await recordFilterSkips(client, tenantId, bookUuid, endpoint.id, skipped);
        await insertDeliveries(client, tenantId, bookUuid, rows);
      });
    }
    if (wanted.length === 0) continue;
    await enqueueDeliveries(
      deps.temporal,
      deps.taskQueue,
      { tenantId, endpointId: endpoint.id, label: endpointLabel(endpoint), bookUuid, historyLimit: deps.historyLimit },
      wanted,
    );
  }
}
