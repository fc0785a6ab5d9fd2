import type { Client } from '@temporalio/client';
import type { EventType } from '../src/contract/book.js';
import type { EndpointId, EventId } from '../src/contract/ids.js';
import { insertDeliveries } from '../src/db/delivery-records.js';
import { directlyDeliverable, pendingWithAttempts } from '../src/db/direct-deliveries.js';
import { loadFilterSubjects } from '../src/db/events.js';
import { inTransaction, type Pool } from '../src/db/pool.js';
import { recordFilterSkips, subscribedEndpoints, type SubscribedEndpoint } from '../src/db/endpoint-fan-out.js';
import type { DeliveryDeps } from '../src/delivery/attempt-pipeline.js';
import { deliverDirectly } from '../src/delivery/deliver-directly.js';
import { endpointLabel } from '../src/delivery/email-content.js';
import { eventsToDeliver } from '../src/digests/mail-mode.js';
import { filterMatches, type FilterSubject } from '../src/events/filter.js';
import { enqueueDeliveries } from '../src/temporal/deliveries.js';
import type { DeliveryRequest } from '../workflows/endpoint-deliveries-state.js';

export interface FanOutDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** Handed to new delivery workflows (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
  /** With `direct` (DELIVERY_DIRECT), first attempts are made here (see deliverDirectly). */
  delivery?: (Omit<DeliveryDeps, 'pool'> & { direct?: boolean | undefined }) | undefined;
}

/**
 * Where one endpoint's share went, for the Temporal UI (the recording activity's result): `finished` by the
 * first attempts made here (delivered, failed for good or held), `toWorkflow` handed to its delivery workflow.
 */
export interface FannedOut {
  endpoint: string;
  finished: number;
  toWorkflow: number;
}

/** How a fan-out may deliver. */
export interface FanOutOptions {
  /**
   * The activity's first try: it may deliver at once. A retried one hands everything unfinished to the workflows,
   * numbered on from the attempts its first try made (which may even still be running on a lost worker).
   */
  firstTry: boolean;
  /** The activity's cancellation (its worker stopping): aborts the attempts in flight. */
  cancel?: AbortSignal | undefined;
}

/**
 * Creates one delivery per (event, subscribed endpoint whose filter takes it), then delivers each endpoint's share:
 * at once when it may (`direct`, see directlyDeliverable), handing only what must be retried or wait to the
 * endpoint's delivery workflow for this book (started on first use); otherwise all of it to that workflow. An event a
 * filter skips gets no delivery; the skip is recorded and counted with the endpoint's other deliveries, in one
 * transaction. Idempotent: deliveries and skips are recorded once, a finished delivery is never sent again, and the
 * workflow ignores events it holds.
 */
export async function fanOut(
  deps: FanOutDeps,
  tenantId: string,
  bookUuid: string,
  events: Array<{ eventId: EventId; type: EventType }>,
  options: FanOutOptions = { firstTry: true },
): Promise<FannedOut[]> {
  if (events.length === 0) return [];
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
  const shares = await Promise.all(
    endpoints.map((endpoint) => recordShare(deps, tenantId, bookUuid, endpoint, events, subjects)),
  );
  const directly =
    options.firstTry && deps.delivery?.direct
      ? await directlyDeliverable(
          deps.pool,
          tenantId,
          bookUuid,
          shares.flatMap((share) => (share.wanted.length > 0 ? [share.endpoint.id] : [])),
          events.map((event) => event.eventId),
        )
      : new Set<EndpointId>();
  // Settled, not raced: a failed share fails the activity only once the others' attempts ended (a retry started
  // while one is still sending would send it again).
  const handed = await Promise.allSettled(
    shares.map(async ({ endpoint, wanted }): Promise<FannedOut | undefined> => {
      if (wanted.length === 0) return undefined;
      const delivery = deps.delivery;
      const left =
        delivery && directly.has(endpoint.id)
          ? await deliverDirectly(
              { ...delivery, pool: deps.pool, cancel: options.cancel },
              { tenantId, endpointId: endpoint.id, bookUuid },
              wanted,
            )
          : options.firstTry
            ? wanted
            : await unfinished(deps, tenantId, endpoint.id, wanted);
      const label = endpointLabel(endpoint);
      const outcome = { endpoint: label, finished: wanted.length - left.length, toWorkflow: left.length };
      if (left.length === 0) return outcome;
      await enqueueDeliveries(
        deps.temporal,
        deps.taskQueue,
        {
          tenantId,
          endpointId: endpoint.id,
          label,
          bookUuid,
          historyLimit: deps.historyLimit,
        },
        left,
      );
      return outcome;
    }),
  );
  const failed = handed.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return handed.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
}

/** One endpoint's share of the events: its deliveries created (and its filter's skips recorded). */
async function recordShare(
  deps: FanOutDeps,
  tenantId: string,
  bookUuid: string,
  endpoint: SubscribedEndpoint,
  events: Array<{ eventId: EventId; type: EventType }>,
  subjects: Map<string, FilterSubject> | undefined,
): Promise<{ endpoint: SubscribedEndpoint; wanted: Array<{ eventId: EventId; type: EventType }> }> {
  // As its mail mode wants: a `book` address only the book's last event, a `daily` one none (see eventsToDeliver).
  const subscribed = eventsToDeliver(endpoint, events);
  if (subscribed.length === 0) return { endpoint, wanted: [] };
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
  return { endpoint, wanted };
}

/** What a retried fan-out hands over: deliveries still PENDING, those attempted as retries counting their attempts. */
async function unfinished(
  deps: FanOutDeps,
  tenantId: string,
  endpointId: EndpointId,
  wanted: Array<{ eventId: EventId; type: EventType }>,
): Promise<DeliveryRequest[]> {
  const made = await pendingWithAttempts(
    deps.pool,
    tenantId,
    endpointId,
    wanted.map((event) => event.eventId),
  );
  return wanted.flatMap((event): DeliveryRequest[] => {
    const attemptsMade = made.get(event.eventId);
    if (attemptsMade === undefined) return []; // finished, or HELD (its release hands it over)
    return [attemptsMade > 0 ? { ...event, retry: { inMs: 0, attemptsMade } } : event];
  });
}
