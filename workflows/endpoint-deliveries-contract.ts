import { defineSignal } from '@temporalio/workflow';
import type { EventType } from '../src/contract/book.js';
import type { MailboxState } from './delivery-order.js';

/** The endpoint-deliveries workflow's contract, shared by the fan-out activity, the workflow and the tests. */
export const ENDPOINT_DELIVERIES_WORKFLOW_TYPE = 'endpointDeliveriesWorkflow';

export interface EndpointDeliveriesInput {
  tenantId: string;
  webhookId: string;
  bookUuid: string;
  /** The endpoint's host, to label deliveries in the Temporal UI (never a secret). */
  endpointLabel: string;
  /** Continue as new once a run's history reaches this many events (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
  carried?: MailboxState;
}

/**
 * The workflow's signature, for typed starts: the API and activities use it instead of importing the workflow (which
 * imports the activities' types: a cycle).
 */
export type EndpointDeliveriesWorkflow = (input: EndpointDeliveriesInput) => Promise<void>;

/** An event to deliver; `redeliver` reopens one already delivered or given up (a manual retry or recovery). */
export interface MailboxItem {
  eventId: string;
  type: EventType;
  redeliver?: boolean;
}

/** More events for this endpoint and book, in the order the book emitted them. */
export const enqueueDeliveriesSignal = defineSignal<[MailboxItem[]]>('enqueueDeliveries');

/** One mailbox per (tenant, endpoint, book): a dead endpoint delays only its own mailbox. */
export function endpointDeliveriesWorkflowId(tenantId: string, webhookId: string, bookUuid: string): string {
  return `deliveries:${tenantId}:${webhookId}:${bookUuid}`;
}
