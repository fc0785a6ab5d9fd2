import {
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { EventId } from '../src/contract/ids.js';
import { DeliveryStatusAttribute, EventTypeAttribute } from './book-contract.js';
import { enqueueDeliveriesSignal, type EndpointDeliveriesInput } from './endpoint-deliveries-contract.js';
import { EndpointDeliveries } from './endpoint-deliveries-state.js';

type Activities = ReturnType<typeof createActivities>;

const DEFAULT_HISTORY_LIMIT = 8_000;
const IDLE_CLOSE = '1 hour';
// Held deliveries wait for the release a resume or recovery signals; once a day they look at their rows again, which
// ends the deliveries of a deleted endpoint.
const HELD_RECHECK = '1 day';

const DELIVERY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats every second while it waits on a receiver: a dead worker's attempt is retried soon.
  heartbeatTimeout: '5 seconds',
  // Unlimited attempts: the activity itself gives up past the delivery window, and sets each retry's delay from the
  // schedule (`nextRetryDelay`, which the server does not cap by maximumInterval). Anything else (the database away,
  // a worker lost mid-attempt) is retried at least every minute, so deliveries resume within a minute of recovery.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
// A batch makes one attempt at each delivery. An ordinary activity, not a local one: receivers can take seconds, and a
// workflow task held open that long lets the book's fan-out signals pile up in the server's buffer of an open task
// (past 100 it force-fails the task: see test/repro/README.md). Retried (a crash, the database away) like any activity.
const BATCH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: DELIVERY_OPTIONS.heartbeatTimeout,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};
const { deliverEvent, deliverEvents } = proxyActivities<Activities>(DELIVERY_OPTIONS);

/**
 * Delivers one book's events to one endpoint in causal order, with retries for days, then finishes. Every decision is
 * `EndpointDeliveries`' (endpoint-deliveries-state.ts); this function wires it to the signal, activities and timers.
 */
export async function endpointDeliveriesWorkflow(input: EndpointDeliveriesInput): Promise<void> {
  const deliveries = new EndpointDeliveries(
    input.carried ?? {
      tenantId: input.tenantId,
      endpointId: input.endpointId,
      bookUuid: input.bookUuid,
      deliveries: {},
    },
  );
  const { tenantId, endpointId } = deliveries.state;
  setHandler(enqueueDeliveriesSignal, (requests) => deliveries.receive(requests));

  let published = '';
  const publish = () => {
    const { status, types } = deliveries.searchAttributes();
    const snapshot = `${status}|${types.join(',')}`;
    if (snapshot === published) return;
    published = snapshot;
    upsertSearchAttributes([
      { key: DeliveryStatusAttribute, value: status },
      { key: EventTypeAttribute, value: types },
    ]);
  };

  const label = (what: string) =>
    `${input.endpointLabel.startsWith('mail ') ? '' : 'POST '}${what} → ${input.endpointLabel}`;
  const typeOf = (eventId: EventId | undefined) => (eventId && deliveries.state.deliveries[eventId]?.type) ?? 'event';
  const abandoned = (eventIds: EventId[]) => (err: unknown) => {
    log.error('delivery ended without a result', { eventIds, err });
    deliveries.abandoned(eventIds);
  };
  /** One delivery, on the retry schedule (after `attemptsBefore` attempts a batch made). */
  const deliverOne = (eventId: EventId, attemptsBefore = 0) =>
    deliverEvent
      .executeWithOptions({ ...DELIVERY_OPTIONS, summary: label(typeOf(eventId)) }, [
        { tenantId, eventId, endpointId, ...(attemptsBefore ? { attemptsBefore } : {}) },
      ])
      .then((status) => deliveries.finished(eventId, status), abandoned([eventId]));
  /** Deliveries in one activity, one attempt each; those to retry go on one by one after its delay. */
  const deliverBatch = async (eventIds: EventId[]) => {
    const result = await deliverEvents
      .executeWithOptions({ ...BATCH_OPTIONS, summary: label(`${eventIds.length} × ${typeOf(eventIds[0])}`) }, [
        { tenantId, endpointId, eventIds },
      ])
      .catch(abandoned(eventIds));
    if (!result) return;
    for (const [eventId, status] of Object.entries(result.finished)) deliveries.finished(eventId as EventId, status);
    if (result.retry.eventIds.length === 0) return;
    await sleep(result.retry.inMs);
    await Promise.all(result.retry.eventIds.map((eventId) => deliverOne(eventId, result.retry.attemptsMade)));
  };

  for (;;) {
    publish();
    const draining = workflowInfo().historyLength >= (input.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    const { start, retry, next } = deliveries.step(draining);
    if (start.length > 0) void deliverBatch(start);
    // First attempts made by the recording activity (deliver-directly.ts) that must be retried: on the schedule.
    for (const { eventId, inMs, attemptsMade } of retry) {
      void (inMs > 0 ? sleep(inMs) : Promise.resolve()).then(() => deliverOne(eventId, attemptsMade));
    }
    switch (next.kind) {
      case 'close':
        return;
      case 'continue-as-new':
        return continueAsNew<typeof endpointDeliveriesWorkflow>({ ...input, carried: next.carried });
      case 'wait':
        await condition(() => deliveries.hasNews);
        break;
      case 'wait-held':
        if (!(await condition(() => deliveries.hasNews, HELD_RECHECK))) deliveries.recheckHeld();
        break;
      case 'wait-idle':
        if (!(await condition(() => deliveries.hasNews, IDLE_CLOSE))) return;
    }
  }
}
