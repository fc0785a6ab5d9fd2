import { findBookAnalytics } from '../db/analytics.js';
import { countDocuments } from '../db/book-changes.js';
import type { BookRow } from '../db/books.js';
import { listDocumentPage } from '../db/documents.js';
import { listBookEventPage } from '../db/events.js';
import { findIgnoredResults } from '../db/ignored-results.js';
import type { Logger } from '../logger.js';
import { startBook, type BookDeps } from './book-access.js';
import { toBookView, type BookView } from './book-view.js';
import { bookEventCursor, documentCursor } from './list-cursors.js';
import { BOOK_VIEW_LIST_MAX } from '../contract/book-view.js';
import { MAX_IGNORED_KEPT } from '../../workflows/book-state.js';

/**
 * The book as `GET /v1/books/:book_uuid` and the stream's first message show it, from PostgreSQL alone: it answers
 * with no worker running and costs the book no workflow task. Counts are counted from `documents`, as the stream's
 * `book.status` messages are, so an acknowledged upload shows at once and a read never disagrees with the stream.
 * It lists the first BOOK_VIEW_LIST_MAX documents and events, whatever the book's size, with the cursors of the pages
 * that go on from them: its lists cost a 10,000-document book what they cost a 100-document one. Its counts (documents
 * by status, ignored results) read the whole book: about 15 ms at 10,000 documents (docs/benchmarks.md).
 */
export async function loadBookView(deps: BookDeps & { logger: Logger }, row: BookRow): Promise<BookView> {
  const { pool } = deps;
  const { tenant_id: tenantId, book_uuid: bookUuid } = row;
  if (row.status === 'CREATED') await startIfNeverStarted(deps, row);
  const first = { limit: BOOK_VIEW_LIST_MAX + 1 };
  const [counts, docs, events, analytics, ignored] = await Promise.all([
    countDocuments(pool, tenantId, bookUuid),
    listDocumentPage(pool, tenantId, bookUuid, first),
    listBookEventPage(pool, tenantId, bookUuid, first),
    findBookAnalytics(pool, tenantId, bookUuid),
    findIgnoredResults(pool, tenantId, bookUuid, MAX_IGNORED_KEPT),
  ]);
  /** The cursor after the last listed row when more follow; the row read beyond the limit only says they do. */
  const next = (rows: Array<{ cursor_seq: string }>) => rows[BOOK_VIEW_LIST_MAX - 1]?.cursor_seq;
  const docsAfter = docs.length > BOOK_VIEW_LIST_MAX ? next(docs) : undefined;
  const eventsAfter = events.length > BOOK_VIEW_LIST_MAX ? next(events) : undefined;
  return toBookView({
    row,
    counts,
    docs: docs.slice(0, BOOK_VIEW_LIST_MAX),
    events: events.slice(0, BOOK_VIEW_LIST_MAX),
    documentsNextCursor: docsAfter ? documentCursor.encode(bookUuid, [docsAfter]) : null,
    eventsNextCursor: eventsAfter ? bookEventCursor.encode(bookUuid, [eventsAfter]) : null,
    analytics,
    ignored,
  });
}

/**
 * A book stored but never started (its start failed after the insert) is started here: a start is a write Temporal
 * takes without a worker, and is a no-op for a running book. Temporal out of reach does not fail the read.
 */
async function startIfNeverStarted(deps: BookDeps & { logger: Logger }, row: BookRow): Promise<void> {
  try {
    await startBook(deps, row);
  } catch (err) {
    deps.logger.warn({ err, bookUuid: row.book_uuid }, 'could not start the book; the next read tries again');
  }
}
