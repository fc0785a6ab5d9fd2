import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type Router from '@koa/router';
import type { AppState } from './state.js';
import type { Client } from '@temporalio/client';
import { BookUuidSchema, CreateBookRequestSchema, type Book } from '../contract/book.js';
import { findBook, insertBook, type BookRow } from '../db/books.js';
import type { Pool } from '../db/pool.js';
import { queryBookState, startBookWorkflow } from '../temporal/books.js';
import { conflict, HttpProblem, notFound, parseInput } from './problem.js';

export interface BooksRouteDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** How long a GET waits for the workflow's answer before a 503. */
  queryTimeoutMs: number;
}

function toBook(row: BookRow, status = row.status): Book {
  return {
    book_uuid: row.book_uuid,
    name: row.name,
    metadata: row.metadata,
    status,
    created_at: row.created_at.toISOString(),
  };
}

const workflowInput = (row: BookRow) => ({
  tenantId: row.tenant_id,
  bookUuid: row.book_uuid,
  name: row.name,
  metadata: row.metadata,
  createdAt: row.created_at.toISOString(),
});

export function registerBookRoutes(router: Router<AppState>, deps: BooksRouteDeps): void {
  const { pool, temporal, taskQueue } = deps;

  router.post('/v1/books', async (ctx) => {
    const body = parseInput(CreateBookRequestSchema, ctx.request.body, 'request body');
    const { tenantId } = ctx.state;
    const bookUuid = body.book_uuid ?? randomUUID();
    const metadata = body.metadata ?? {};
    const { row, created } = await insertBook(pool, { tenantId, bookUuid, name: body.name, metadata });
    if (!created && (row.name !== body.name || !isDeepStrictEqual(row.metadata, metadata))) {
      throw conflict(`Book ${bookUuid} already exists with a different name or metadata.`);
    }
    // The row is stored first, so a retry after a failed start finds it and starts the same workflow.
    await startBookWorkflow(temporal, taskQueue, workflowInput(row));
    ctx.status = created ? 201 : 200;
    ctx.set('Location', `/v1/books/${bookUuid}`);
    ctx.body = toBook(row);
  });

  router.get('/v1/books/:book_uuid', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const { tenantId } = ctx.state;
    const row = await findBook(pool, tenantId, bookUuid);
    if (!row) throw notFound(`Book ${bookUuid} does not exist.`);
    let state;
    try {
      state = await queryBookState(temporal, tenantId, bookUuid, deps.queryTimeoutMs);
    } catch (err) {
      throw new HttpProblem(503, 'Service Unavailable', 'The book did not answer in time; retry shortly.', undefined, {
        cause: err,
      });
    }
    if (!state) {
      // Stored but never started (the start failed after the insert): start it now, as the create would have.
      await startBookWorkflow(temporal, taskQueue, workflowInput(row));
      ctx.body = toBook(row);
      return;
    }
    ctx.body = toBook(row, state.status);
  });
}
