import type { Client } from '@temporalio/client';
import type { EventType } from '../contract/book.js';
import {
  BookUuidAttribute,
  DeliveryStatusAttribute,
  EndpointIdAttribute,
  TenantIdAttribute,
} from '../../workflows/book-contract.js';
import {
  ENDPOINT_DELIVERIES_WORKFLOW_TYPE,
  endpointDeliveriesWorkflowId,
  enqueueDeliveriesSignal,
  type EndpointDeliveriesWorkflow,
} from '../../workflows/endpoint-deliveries-contract.js';
import type { DeliveryRequest } from '../../workflows/endpoint-deliveries-state.js';
import type { EndpointId, EventId } from '../contract/ids.js';

/**
 * Hands events to the delivery workflow of one endpoint and book, starting it when none runs. Safe to repeat: the
 * workflow ignores events it already holds, unless `redeliver` asks for a new round.
 */
export async function enqueueDeliveries(
  client: Client,
  taskQueue: string,
  target: {
    tenantId: string;
    endpointId: EndpointId;
    label: string;
    bookUuid: string;
    historyLimit?: number | undefined;
  },
  events: Array<{ eventId: EventId; type: EventType }>,
  redeliver = false,
): Promise<void> {
  const items: DeliveryRequest[] = events.map((event) => ({ ...event, ...(redeliver ? { redeliver } : {}) }));
  await client.workflow.signalWithStart<EndpointDeliveriesWorkflow, [DeliveryRequest[]]>(
    ENDPOINT_DELIVERIES_WORKFLOW_TYPE,
    {
      taskQueue,
      workflowId: endpointDeliveriesWorkflowId(target.tenantId, target.endpointId, target.bookUuid),
      args: [
        {
          tenantId: target.tenantId,
          endpointId: target.endpointId,
          bookUuid: target.bookUuid,
          endpointLabel: target.label,
          historyLimit: target.historyLimit,
        },
      ],
      signal: enqueueDeliveriesSignal,
      signalArgs: [items],
      staticSummary: `Deliveries of book ${target.bookUuid} to ${target.label}`,
      typedSearchAttributes: [
        { key: TenantIdAttribute, value: target.tenantId },
        { key: BookUuidAttribute, value: target.bookUuid },
        { key: EndpointIdAttribute, value: target.endpointId },
        { key: DeliveryStatusAttribute, value: 'DELIVERING' },
      ],
    },
  );
}
