import type { SearchAttributePair } from '@temporalio/common';
import {
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import {
  BOOK_WORKFLOW_TYPE,
  bookStateAttributes,
  BookStatusAttribute,
  BookUuidAttribute,
  bookWorkflowId,
  sealSignal,
  TenantIdAttribute,
  verificationSignal,
  verificationsSignal,
  type SealSignal,
  type VerificationSignal,
} from '../../workflows/book-contract.js';
import type { BookWorkflowInput } from '../../workflows/book-model.js';
import { initialBookState } from '../../workflows/book-state.js';
import type { bookWorkflow } from '../../workflows/book-workflow.js';
import { GroupCommit } from './group-commit.js';
import { currentRequestId, runWithRequestId } from './request-id.js';

/**
 * Starts the book's workflow, or finds the running one: safe to call again for the same book. A finished book is
 * never started again (its id is not reusable).
 */
export async function startBookWorkflow(client: Client, taskQueue: string, input: BookWorkflowInput): Promise<void> {
  try {
    await startOnce(client, taskQueue, input);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function startOnce(client: Client, taskQueue: string, input: BookWorkflowInput): Promise<void> {
  await client.workflow.start<typeof bookWorkflow>(BOOK_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: bookWorkflowId(input.tenantId, input.bookUuid),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: bookStartAttributes(input),
    staticSummary: `Book '${input.name}' (tenant ${input.tenantId})`,
  });
}

/**
 * The search attributes a book starts with. A book of a generation starts with those of its initial state, so its
 * workflow upserts none at first; older books started as CREATED, and their first workflow task said UPLOAD.
 */
export function bookStartAttributes(input: BookWorkflowInput): SearchAttributePair[] {
  return [
    { key: BookUuidAttribute, value: input.bookUuid },
    { key: TenantIdAttribute, value: input.tenantId },
    ...(input.generation === undefined
      ? [{ key: BookStatusAttribute, value: 'CREATED' }]
      : bookStateAttributes(initialBookState(input))),
  ];
}

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_RESOURCE_EXHAUSTED = 8;
const BUSY_RETRIES = 8;

/**
 * A book too busy to take a message right now: too many in-flight updates (Temporal admits 10 per workflow), or a
 * run that reached its signal limit and is about to continue as new. Both pass within moments.
 */
export class BookBusyError extends Error {
  override name = 'BookBusyError';
}

function isBusy(err: unknown): boolean {
  return [err, (err as { cause?: unknown }).cause].some(
    (e) =>
      isGrpcServiceError(e) &&
      (Number(e.code) === GRPC_RESOURCE_EXHAUSTED ||
        (Number(e.code) === GRPC_INVALID_ARGUMENT && e.details.includes('exceeded workflow execution limit'))),
  );
}

/** Runs `send`, retrying with jittered backoff (about 6 s in all) while the book is busy. */
async function whileBusy<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!isBusy(err)) throw err;
      if (attempt >= BUSY_RETRIES) throw new BookBusyError('the book is busy', { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

interface Queued<T> {
  item: T;
  requestId: string | undefined;
}

/**
 * One group commit per client and kind of message: messages for a book that arrive while a signal to it is in flight
 * go together in the next one (see docs/benchmarks.md, "Tuning and notes"), which carries the request ids of all of
 * them, space-separated. Each caller learns true once Temporal durably accepted the signal carrying its message, false
 * when the book's workflow is not running.
 */
function groupedSignal<T>(sendBatch: (client: Client, workflowId: string, items: T[]) => Promise<void>) {
  const batches = new WeakMap<Client, GroupCommit<Queued<T>, boolean>>();
  return (client: Client, tenantId: string, bookUuid: string, item: T): Promise<boolean> => {
    let group = batches.get(client);
    if (!group) {
      group = new GroupCommit((workflowId, queued) => {
        const requestIds = [...new Set(queued.flatMap((entry) => (entry.requestId ? [entry.requestId] : [])))];
        const items = queued.map((entry) => entry.item);
        const send = () => sendSignal(() => sendBatch(client, workflowId, items));
        return requestIds.length > 0 ? runWithRequestId(requestIds.join(' '), send) : send();
      });
      batches.set(client, group);
    }
    return group.submit(bookWorkflowId(tenantId, bookUuid), { item, requestId: currentRequestId() });
  };
}

/** Sends a verification result (stored in the intake log first); several go in one `verificationsFinished` signal. */
export const signalVerification = groupedSignal<VerificationSignal>((client, workflowId, signals) => {
  const handle = client.workflow.getHandle(workflowId);
  return signals.length === 1
    ? handle.signal(verificationSignal, signals[0] as VerificationSignal)
    : handle.signal(verificationsSignal, signals);
});

/**
 * Asks the book to seal, telling it how many documents it holds (see SealSignal); true once Temporal durably accepted
 * it, false when the book's workflow is not running.
 */
export async function signalSeal(
  client: Client,
  tenantId: string,
  bookUuid: string,
  seal: SealSignal,
): Promise<boolean> {
  return sendSignal(() => client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid)).signal(sealSignal, seal));
}

/**
 * Wakes a book that holds messages stored under a promise to read the log no signal kept (src/db/log-reads.ts): an
 * empty batch of results, after which the book reads the log. False when the book's workflow is not running.
 */
export async function nudgeBook(client: Client, tenantId: string, bookUuid: string): Promise<boolean> {
  return sendSignal(() =>
    client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid)).signal(verificationsSignal, []),
  );
}

async function sendSignal(send: () => Promise<void>): Promise<boolean> {
  try {
    await whileBusy(send);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
