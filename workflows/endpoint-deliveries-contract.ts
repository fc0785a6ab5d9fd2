import { defineSignal } from '@temporalio/workflow';
import type { EndpointId } from '../src/contract/ids.js';
import type { EndpointDeliveriesState } from './delivery-order.js';
import type { DeliveryRequest } from './endpoint-deliveries-state.js';

/** The endpoint-deliveries workflow's contract, shared by the fan-out activity, the workflow and the tests. */
export const ENDPOINT_DELIVERIES_WORKFLOW_TYPE = 'endpointDeliveriesWorkflow';

export interface EndpointDeliveriesInput {
  tenantId: string;
  /** The endpoint (the name recorded histories carry). */
  endpointId: EndpointId;
  bookUuid: string;
  /** The endpoint's host, to label deliveries in the Temporal UI (never a secret). */
  endpointLabel: string;
  /** Continue as new once a run's history reaches this many events (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
  carried?: EndpointDeliveriesState;
}

/**
 * The workflow's signature, for typed starts: the API and activities use it instead of importing the workflow (which
 * imports the activities' types: a cycle).
 */
export type EndpointDeliveriesWorkflow = (input: EndpointDeliveriesInput) => Promise<void>;

/** More events for this endpoint and book, in the order the book emitted them. */
export const enqueueDeliveriesSignal = defineSignal<[DeliveryRequest[]]>('enqueueDeliveries');

/** One workflow per (tenant, endpoint, book): a dead endpoint delays only its own deliveries. */
export function endpointDeliveriesWorkflowId(tenantId: string, endpointId: string, bookUuid: string): string {
  return `deliveries:${tenantId}:${endpointId}:${bookUuid}`;
}
