import { findBookAnalytics } from '../db/analytics.js';
import type { BookRow } from '../db/books.js';
import { listDocuments } from '../db/documents.js';
import { listBookEvents } from '../db/events.js';
import { queryBookState, startBookWorkflow } from '../temporal/books.js';
import { workflowInput, type BookDeps } from './book-access.js';
import { toBookView, type BookView } from './book-view.js';
import { HttpProblem } from './problem.js';

/**
 * The book as `GET /v1/books/:book_uuid` and the stream's first message show it: the workflow's statuses with what
 * Postgres stores. A book stored but never started (its start failed after the insert) is started here.
 */
export async function loadBookView(deps: BookDeps & { queryTimeoutMs: number }, row: BookRow): Promise<BookView> {
  const { pool, temporal } = deps;
  const { tenant_id: tenantId, book_uuid: bookUuid } = row;
  let state;
  try {
    state = await queryBookState(temporal, tenantId, bookUuid, deps.queryTimeoutMs);
  } catch (err) {
    throw new HttpProblem(503, 'Service Unavailable', 'The book did not answer in time; retry shortly.', undefined, {
      cause: err,
    });
  }
  if (!state && row.status === 'CREATED') {
    await startBookWorkflow(temporal, deps.taskQueue, workflowInput(row, deps.historyLimit));
  }
  const [docs, events, analytics] = await Promise.all([
    listDocuments(pool, tenantId, bookUuid),
    listBookEvents(pool, tenantId, bookUuid),
    findBookAnalytics(pool, tenantId, bookUuid),
  ]);
  return toBookView(row, state, docs, events, analytics);
}
