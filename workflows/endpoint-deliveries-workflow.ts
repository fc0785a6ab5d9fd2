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
import { DeliveryStatusAttribute, EventTypeAttribute } from './book-contract.js';
import {
  compact,
  enqueue,
  finish,
  hasHeld,
  hasOpen,
  isFinished,
  mailboxStatus,
  nextToStart,
  recheckHeld,
  type MailboxState,
} from './delivery-order.js';
import { enqueueDeliveriesSignal, type EndpointDeliveriesInput } from './endpoint-deliveries-contract.js';

type Activities = ReturnType<typeof createActivities>;

// Bounds pending activities per mailbox far below Temporal's 2,000, even with the endpoint down for days.
const MAX_IN_FLIGHT = 20;
const DEFAULT_HISTORY_LIMIT = 8_000;
const IDLE_CLOSE = '1 hour';
// Held deliveries wait for the release a resume or recovery signals; once a day they look at their rows again, which
// ends the mailbox of a deleted endpoint.
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

/** Delivers one book's events to one endpoint in causal order, with retries for days, then finishes. */
export async function endpointDeliveriesWorkflow(input: EndpointDeliveriesInput): Promise<void> {
  const state: MailboxState = input.carried ?? {
    tenantId: input.tenantId,
    webhookId: input.webhookId,
    bookUuid: input.bookUuid,
    deliveries: {},
  };
  let changes = 0;
  let running = 0;
  setHandler(enqueueDeliveriesSignal, (events) => {
    enqueue(state, events);
    changes += 1;
  });

  let published = '';
  const publish = () => {
    const status = mailboxStatus(state);
    const types = [...new Set(Object.values(state.deliveries).map((d) => d.type))].sort();
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
  const finished = (eventId: string, status: 'DELIVERED' | 'FAILED' | 'HELD') => {
    finish(state, eventId, status);
    changes += 1;
  };
  const failed = (eventIds: string[]) => (err: unknown) => {
    log.error('delivery ended without a result', { eventIds, err });
    for (const eventId of eventIds) if (state.deliveries[eventId]?.phase === 'running') finished(eventId, 'FAILED');
  };
  /** One delivery, on the retry schedule (after `attemptsBefore` attempts a batch made). */
  const deliverOne = (eventId: string, attemptsBefore = 0) =>
    deliverEvent
      .executeWithOptions({ ...DELIVERY_OPTIONS, summary: label(state.deliveries[eventId]?.type ?? 'event') }, [
        {
          tenantId: state.tenantId,
          eventId,
          webhookId: state.webhookId,
          ...(attemptsBefore ? { attemptsBefore } : {}),
        },
      ])
      .then((status) => finished(eventId, status), failed([eventId]));
  /** Deliveries in one activity, one attempt each; those to retry go on one by one after its delay. */
  const deliverBatch = async (eventIds: string[]) => {
    const type = state.deliveries[eventIds[0] as string]?.type ?? 'event';
    const result = await deliverEvents
      .executeWithOptions({ ...BATCH_OPTIONS, summary: label(`${eventIds.length} × ${type}`) }, [
        { tenantId: state.tenantId, webhookId: state.webhookId, eventIds },
      ])
      .catch(failed(eventIds));
    if (!result) return;
    for (const [eventId, status] of Object.entries(result.finished)) finished(eventId, status);
    if (result.retry.eventIds.length === 0) return;
    await sleep(result.retry.inMs);
    await Promise.all(result.retry.eventIds.map((eventId) => deliverOne(eventId, result.retry.attemptsMade)));
  };
  const track = (work: Promise<void>) => {
    running += 1;
    void work.finally(() => {
      running -= 1;
      changes += 1;
    });
  };

  for (;;) {
    publish();
    // Past the history limit, start nothing new: let the running deliveries finish, then continue as new.
    const draining = workflowInfo().historyLength >= (input.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    const ready = draining ? [] : nextToStart(state, MAX_IN_FLIGHT);
    for (const eventId of ready) (state.deliveries[eventId] as MailboxState['deliveries'][string]).phase = 'running';
    if (ready.length > 0) track(deliverBatch(ready));
    const open = hasOpen(state);
    if (!open) publish();
    if (!open && isFinished(state)) return;
    if (running === 0 && draining) {
      await continueAsNew<typeof endpointDeliveriesWorkflow>({ ...input, carried: compact(state) });
    }
    const seen = changes;
    if (running === 0 && hasHeld(state)) {
      // Stays open while deliveries are held: a later event of the book must still wait for them.
      if (!(await condition(() => changes !== seen, HELD_RECHECK))) recheckHeld(state);
    } else if (open) {
      await condition(() => changes !== seen);
    } else if (!(await condition(() => changes !== seen, IDLE_CLOSE))) {
      // Nothing to do for a while (an endpoint not subscribed to ANALYTICS_COMPLETED never hears the book's end):
      // close. A later event starts a new run of this mailbox; everything before it is already finished.
      return;
    }
  }
}
