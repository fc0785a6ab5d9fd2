import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  BOOK_WORKFLOW_TYPE,
  bookStateQuery,
  BookStatusAttribute,
  BookUuidAttribute,
  bookWorkflowId,
  TenantIdAttribute,
} from '../../workflows/book-contract.js';
import type { BookState, BookWorkflowInput } from '../../workflows/book-state.js';
import type { bookWorkflow } from '../../workflows/book-workflow.js';

/** Starts the book's workflow, or finds the running one: safe to call again for the same book. */
export async function startBookWorkflow(client: Client, taskQueue: string, input: BookWorkflowInput): Promise<void> {
  await client.workflow.start<typeof bookWorkflow>(BOOK_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: bookWorkflowId(input.tenantId, input.bookUuid),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: BookUuidAttribute, value: input.bookUuid },
      { key: TenantIdAttribute, value: input.tenantId },
      { key: BookStatusAttribute, value: 'CREATED' },
    ],
    staticSummary: `Book '${input.name}' (tenant ${input.tenantId})`,
  });
}

/** The book's live state from its workflow, or undefined when no workflow exists for it. */
export async function queryBookState(
  client: Client,
  tenantId: string,
  bookUuid: string,
  timeoutMs: number,
): Promise<BookState | undefined> {
  const handle = client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid));
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => handle.query(bookStateQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
