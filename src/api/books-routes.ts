import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type Router from '@koa/router';
import { BookUuidSchema, CreateBookRequestSchema, ListBooksQuerySchema } from '../contract/book.js';
import { insertBook, listBooks, type BookPageCursor } from '../db/books.js';
import { storeSealRequest } from '../db/intake-admission.js';
import type { Logger } from '../logger.js';
import { signalSeal } from '../temporal/books.js';
import { currentRequestId } from '../temporal/request-id.js';
import { requireBook, sendToBook, startBook, type BookDeps } from './book-access.js';
import { loadBookView } from './book-snapshot.js';
import { NO_IGNORED_RESULTS, toBookSummary, toBookView } from './book-view.js';
import { invalidCursor, isCursorTime, pageOf } from './pagination.js';
import { conflict, parseInput } from './problem.js';
import type { AppState } from './state.js';

export interface BooksRouteDeps extends BookDeps {
  logger: Logger;
}

// The books' cursor keeps the form it had before every list paged: cursors already handed out stay good.
const encodeCursor = (cursor: BookPageCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
function decodeCursor(value: string): BookPageCursor {
  try {
    const cursor = JSON.parse(Buffer.from(value, 'base64url').toString()) as BookPageCursor;
    if (isCursorTime(cursor.createdAt) && BookUuidSchema.safeParse(cursor.bookUuid).success) return cursor;
  } catch {
    // falls through to the 400
  }
  throw invalidCursor('cursor');
}

export function registerBookRoutes(router: Router<AppState>, deps: BooksRouteDeps): void {
  const { pool, temporal } = deps;

  router.post('/v1/books', async (ctx) => {
    const body = parseInput(CreateBookRequestSchema, ctx.request.body, 'request body');
    const { tenantId } = ctx.state;
    const bookUuid = body.book_uuid ?? randomUUID();
    const metadata = body.metadata ?? {};
    const { row, created } = await insertBook(pool, {
      tenantId,
      bookUuid,
      name: body.name,
      metadata,
      sealAfterMs: body.seal_after,
    });
    const sameSealAfter = (row.seal_after_ms === null ? undefined : Number(row.seal_after_ms)) === body.seal_after;
    if (!created && (row.name !== body.name || !isDeepStrictEqual(row.metadata, metadata) || !sameSealAfter)) {
      throw conflict(
        'book-uuid-taken',
        `Book ${bookUuid} already exists with a different name, metadata or seal_after.`,
      );
    }
    // The row is stored first, so a retry after a failed start finds it and starts the same workflow.
    await startBook(deps, row);
    ctx.status = created ? 201 : 200;
    ctx.set('Location', `/v1/books/${bookUuid}`);
    const started = row.status === 'CREATED' ? { ...row, status: 'UPLOAD' as const } : row;
    ctx.body = toBookView({ row: started, docs: [], events: [], analytics: undefined, ignored: NO_IGNORED_RESULTS });
  });

  router.get('/v1/books', async (ctx) => {
    const query = parseInput(ListBooksQuerySchema, ctx.query, 'query string');
    const rows = await listBooks(pool, ctx.state.tenantId, {
      status: query.status,
      q: query.q,
      limit: query.limit + 1,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
    });
    ctx.body = pageOf(rows, query.limit, toBookSummary, (last) =>
      encodeCursor({ createdAt: last.cursor_at, bookUuid: last.book_uuid }),
    );
  });

  router.get('/v1/books/:book_uuid', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const { tenantId } = ctx.state;
    ctx.body = await loadBookView(deps, await requireBook(pool, tenantId, bookUuid));
  });

  router.post('/v1/books/:book_uuid/seal', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const { tenantId } = ctx.state;
    const row = await requireBook(pool, tenantId, bookUuid);
    // Stored before it is sent: a seal Temporal acknowledged but the book never applied is found by its next check.
    const { continuing, reading, documents } = await storeSealRequest(pool, tenantId, bookUuid, currentRequestId());
    // While the book hands over to its next run, or its running recording reads the log, the request is read from the
    // log. A finished workflow means the book is complete, so sealed already: the request is satisfied either way.
    if (!continuing && !reading)
      await sendToBook(deps, row, () => signalSeal(temporal, tenantId, bookUuid, { documents }));
    ctx.status = 202;
    ctx.body = { book_uuid: bookUuid, seal_requested: true };
  });
}
