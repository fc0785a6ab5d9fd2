import { condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { bookStateQuery, BookStatusAttribute } from './book-contract.js';
import { initialBookState, type BookWorkflowInput } from './book-state.js';

const { recordBookStatus } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** One durable workflow per book: holds its state and answers `bookStateQuery`. */
export async function bookWorkflow(input: BookWorkflowInput): Promise<void> {
  const state = initialBookState(input);
  setHandler(bookStateQuery, () => state);

  upsertSearchAttributes([{ key: BookStatusAttribute, value: state.status }]);
  await recordBookStatus({ tenantId: state.tenantId, bookUuid: state.bookUuid, status: state.status });

  // The book stays open for document events (added with the document signals); nothing ends it yet.
  await condition(() => false);
}
