import type { Client } from '@temporalio/client';
import type { EventType } from '../src/contract/book.js';
import type { EndpointId, EventId } from '../src/contract/ids.js';
import { insertDeliveries, pendingWithAttempts } from '../src/db/delivery-records.js';
import { openEndpointSecrets } from '../src/db/endpoint-secrets.js';
import { findEventPayloads, loadFilterSubjects } from '../src/db/events.js';
import { inTransaction, type Pool } from '../src/db/pool.js';
import { recordFilterSkips, subscribedEndpoints, type SubscribedEndpoint } from '../src/db/endpoint-fan-out.js';
import type { DeliveryDeps } from '../src/delivery/attempt-pipeline.js';
import { deliverDirectly } from '../src/delivery/deliver-directly.js';
import { endpointLabel } from '../src/delivery/email-content.js';
import { eventsToDeliver } from '../src/digests/mail-mode.js';
import { filterMatches, type FilterSubject } from '../src/events/filter.js';
import type { EventPayload } from '../src/events/payloads.js';
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
  /** Bodies of the events as this activity stored them (insertEvents); others are read where first attempts need them. */
  payloads?: Map<EventId, EventPayload> | undefined;
}

/**
 * Creates one delivery per (event, subscribed endpoint whose filter takes it), then delivers each endpoint's share:
 * at once when it may (`direct`, see subscribedEndpoints), handing only what must be retried or wait to the endpoint's
 * delivery workflow for this book (started on first use); otherwise all of it to that workflow. A delivery attempted
 * at once is written after its attempt, with its outcome (deliverDirectly); the others before they are handed over.
 * An event a filter skips gets no delivery; the skip is recorded and counted with the endpoint's other deliveries, in
 * one transaction. Idempotent: deliveries and skips are recorded once, a finished delivery is never sent again, and the
 * workflow ignores events it holds.
 */
export async function fanOut(
  deps: FanOutDeps,
  tenantId: string,
  bookUuid: string,
  batch: Array<{ eventId: EventId; type: EventType }>,
  options: FanOutOptions = { firstTry: true },
): Promise<FannedOut[]> {
  // Once each: a book emits a result's event again when its check of the log finds it (book-state.ts, `reconciled`).
  const events = [...new Map(batch.map((event) => [event.eventId, event])).values()];
  if (events.length === 0) return [];
  const eventIds = events.map((event) => event.eventId);
  const delivery = options.firstTry && deps.delivery?.direct ? deps.delivery : undefined;
  const endpoints = await subscribedEndpoints(
    deps.pool,
    tenantId,
    [...new Set(events.map((e) => e.type))],
    delivery ? { bookUuid, batch: eventIds } : undefined,
  );
  // Filters read the stored bodies, the book's metadata and the documents: loaded only when some endpoint has one.
  const subjects = endpoints.some((endpoint) => endpoint.filter !== null)
    ? await loadFilterSubjects(deps.pool, tenantId, bookUuid, eventIds)
    : undefined;
  const shares = endpoints.map((endpoint) => shareOf(endpoint, bookUuid, events, subjects));
  await Promise.all(shares.map((share) => recordShare(deps.pool, tenantId, bookUuid, share)));
  const bodies = shares.some((share) => share.direct)
    ? await storedBodies(deps.pool, tenantId, eventIds, options.payloads)
    : new Map<EventId, EventPayload>();
  // Settled, not raced: a failed share fails the activity only once the others' attempts ended (a retry started
  // while one is still sending would send it again).
  const handed = await Promise.allSettled(
    shares.map(async ({ endpoint, wanted, direct }): Promise<FannedOut | undefined> => {
      if (wanted.length === 0) return undefined;
      const left =
        delivery && direct
          ? await deliverDirectly(
              { ...delivery, pool: deps.pool, cancel: options.cancel },
              { tenantId, endpointId: endpoint.id, bookUuid },
              openEndpointSecrets(delivery.secrets, endpoint),
              wanted.map((event) => ({ ...event, payload: bodies.get(event.eventId) as EventPayload })),
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

/**
 * One endpoint's share of the events: those it wants, those its filter skips, and whether this fan-out makes their
 * first attempts (then their deliveries are written with their outcomes, after them).
 */
interface Share {
  endpoint: SubscribedEndpoint;
  wanted: Array<{ eventId: EventId; type: EventType }>;
  skipped: EventId[];
  direct: boolean;
}

function shareOf(
  endpoint: SubscribedEndpoint,
  bookUuid: string,
  events: Array<{ eventId: EventId; type: EventType }>,
  subjects: Map<string, FilterSubject> | undefined,
): Share {
  // As its mail mode wants: a `book` address only the book's last event, a `daily` one none (see eventsToDeliver).
  const subscribed = eventsToDeliver(endpoint, events);
  const takes = (eventId: EventId) => {
    if (endpoint.filter === null) return true;
    const subject = subjects?.get(eventId);
    // Recorded in the same activity before the fan-out: a missing one is a bug, and the retry will tell.
    if (!subject) throw new Error(`event ${eventId} of book ${bookUuid} is not stored`);
    return filterMatches(endpoint.filter, subject);
  };
  const wanted = subscribed.filter((event) => takes(event.eventId));
  const skipped = subscribed.filter((event) => !wanted.includes(event)).map((event) => event.eventId);
  return { endpoint, wanted, skipped, direct: endpoint.direct && wanted.length > 0 };
}

/** Records a share: its filter's skips, and its deliveries unless they are attempted first (written after). */
async function recordShare(pool: Pool, tenantId: string, bookUuid: string, share: Share): Promise<void> {
  const { endpoint, skipped } = share;
  const rows = share.direct
    ? []
    : share.wanted.map((event) => ({ eventId: event.eventId, eventType: event.type, endpointId: endpoint.id }));
  if (skipped.length === 0) {
    await insertDeliveries(pool, tenantId, bookUuid, rows);
  } else {
    await inTransaction(pool, async (client) => {
      await recordFilterSkips(client, tenantId, bookUuid, endpoint.id, skipped);
      await insertDeliveries(client, tenantId, bookUuid, rows);
    });
  }
}

/** The stored bodies of `eventIds`: those this activity stored as it has them, the others read. */
async function storedBodies(
  pool: Pool,
  tenantId: string,
  eventIds: EventId[],
  known: Map<EventId, EventPayload> = new Map(),
): Promise<Map<EventId, EventPayload>> {
  const missing = eventIds.filter((eventId) => !known.has(eventId));
  const read = await findEventPayloads(pool, tenantId, missing);
  const bodies = new Map(
    eventIds.flatMap((eventId) => {
      const body = known.get(eventId) ?? read.get(eventId);
      return body ? [[eventId, body] as const] : [];
    }),
  );
  // Recorded before the fan-out: a missing one is a bug, and the retry will tell.
  const lost = eventIds.find((eventId) => !bodies.has(eventId));
  if (lost) throw new Error(`event ${lost} is not stored`);
  return bodies;
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
