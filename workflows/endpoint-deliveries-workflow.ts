import {
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
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
  hasOpen,
  isFinished,
  mailboxStatus,
  nextToStart,
  type MailboxState,
} from './delivery-order.js';
import { enqueueDeliveriesSignal, type EndpointDeliveriesInput } from './endpoint-deliveries-contract.js';

type Activities = ReturnType<typeof createActivities>;

// Bounds pending activities per mailbox far below Temporal's 2,000, even with the endpoint down for days.
const MAX_IN_FLIGHT = 20;
const DEFAULT_HISTORY_LIMIT = 8_000;
const IDLE_CLOSE = '1 hour';

const DELIVERY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats every second while it waits on a receiver: a dead worker's attempt is retried soon.
  heartbeatTimeout: '5 seconds',
  // Unlimited attempts: the activity itself gives up past the delivery window, and sets each retry's delay.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 day' },
};
const { deliverEvent } = proxyActivities<Activities>(DELIVERY_OPTIONS);

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

  for (;;) {
    publish();
    // Past the history limit, start nothing new: let the running deliveries finish, then continue as new.
    const draining = workflowInfo().historyLength >= (input.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    for (const eventId of draining ? [] : nextToStart(state, MAX_IN_FLIGHT)) {
      const delivery = state.deliveries[eventId] as MailboxState['deliveries'][string];
      delivery.phase = 'running';
      running += 1;
      deliverEvent
        .executeWithOptions(
          {
            ...DELIVERY_OPTIONS,
            summary: `${input.endpointLabel.startsWith('mail ') ? '' : 'POST '}${delivery.type} → ${input.endpointLabel}`,
          },
          [{ tenantId: state.tenantId, eventId, webhookId: state.webhookId }],
        )
        .then(
          (status) => finish(state, eventId, status),
          (err: unknown) => {
            log.error('delivery ended without a result', { eventId, err });
            finish(state, eventId, 'FAILED');
          },
        )
        .finally(() => {
          running -= 1;
          changes += 1;
        });
    }
    const open = hasOpen(state);
    if (!open) publish();
    if (!open && isFinished(state)) return;
    if (running === 0 && draining) {
      await continueAsNew<typeof endpointDeliveriesWorkflow>({ ...input, carried: compact(state) });
    }
    const seen = changes;
    if (open) {
      await condition(() => changes !== seen);
    } else if (!(await condition(() => changes !== seen, IDLE_CLOSE))) {
      // Nothing to do for a while (an endpoint not subscribed to ANALYTICS_COMPLETED never hears the book's end):
      // close. A later event starts a new run of this mailbox; everything before it is already finished.
      return;
    }
  }
}
