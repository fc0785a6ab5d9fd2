import type { Client } from '@temporalio/client';
import { findBook, markBookStarted, type BookRow } from '../db/books.js';
import { promiseRead, withdrawRead } from '../db/log-reads.js';
import type { Pool } from '../db/pool.js';
import { startBookWorkflow } from '../temporal/books.js';
import { BOOK_GENERATION } from '../../workflows/book-contract.js';
import type { BookWorkflowInput } from '../../workflows/book-model.js';
import { gone, notFound } from './problem.js';

export interface BookDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** Continue-as-new threshold handed to new books (see BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
}

/**
 * The tenant's book or a 404: every book route starts here, so another tenant's book is never found. A book whose
 * detail retention removed is a 410 rather than an answer without its documents and events.
 */
export async function requireBook(pool: Pool, tenantId: string, bookUuid: string): Promise<BookRow> {
  const row = await findBook(pool, tenantId, bookUuid);
  if (!row) throw notFound('book-not-found', `Book ${bookUuid} does not exist.`);
  if (row.pruned_at) {
    const finished = row.analyzed_at?.toISOString() ?? 'long ago';
    throw gone(
      'book-expired',
      `Book ${bookUuid} finished ${finished}; its documents, events and deliveries were deleted ${row.pruned_at.toISOString()} (retention). GET /v1/books lists its summary.`,
    );
  }
  return row;
}

export function workflowInput(row: BookRow, historyLimit?: number): BookWorkflowInput {
  return {
    tenantId: row.tenant_id,
    bookUuid: row.book_uuid,
    name: row.name,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
    tenantScopedEventIds: true,
    generation: BOOK_GENERATION,
    ...(row.seal_after_ms ? { sealAfterMs: Number(row.seal_after_ms) } : {}),
    ...(historyLimit ? { historyLimit } : {}),
  };
}

/**
 * Starts the book's workflow (or finds it running) and marks the book UPLOAD: it takes documents from now on. Safe to
 * repeat; a book left CREATED by a failed start is started by its next read or message.
 */
export async function startBook(deps: BookDeps, row: BookRow): Promise<void> {
  await startBookWorkflow(deps.temporal, deps.taskQueue, workflowInput(row, deps.historyLimit));
  await markBookStarted(deps.pool, row.tenant_id, row.book_uuid);
}

/**
 * Sends a message to the book's workflow, promising first that the book will read the log (`promiseRead`): messages
 * that follow until it has need no signal. A book stored but never started (its start failed after the insert) is
 * started and the message sent again; `false` means the workflow has finished (the book is complete). A message that
 * did not reach a running book withdraws the promise, so that the next message (a retry) signals again.
 *
 * `join`, for a message stored a moment before the promise (its store found none, as the first results of a burst to
 * a quiet book do): while another message of this process wakes the book, it waits for that one's signal and then
 * joins the read it promised instead of signalling (`joinRead`); if that read already ended the promise or passed the
 * message, it is sent as any other. One signal, not two, wakes a book for a burst.
 */
export async function sendToBook(
  deps: BookDeps,
  row: BookRow,
  send: () => Promise<boolean>,
  join?: () => Promise<boolean>,
): Promise<boolean> {
  const wakes = wakesIn(deps.pool);
  const key = `${row.tenant_id}/${row.book_uuid}`;
  const waking = wakes.get(key);
  if (waking && join && (await waking.catch(() => false)) && (await join())) return true;
  const wake = wakeBook(deps, row, send);
  if (!wakes.has(key)) {
    wakes.set(key, wake);
    const done = () => {
      if (wakes.get(key) === wake) wakes.delete(key);
    };
    wake.then(done, done);
  }
  return wake;
}

/** The wake in flight (its promise and signal), by pool and book. */
const wakesByPool = new WeakMap<Pool, Map<string, Promise<boolean>>>();

function wakesIn(pool: Pool): Map<string, Promise<boolean>> {
  let wakes = wakesByPool.get(pool);
  if (!wakes) wakesByPool.set(pool, (wakes = new Map<string, Promise<boolean>>()));
  return wakes;
}

async function wakeBook(deps: BookDeps, row: BookRow, send: () => Promise<boolean>): Promise<boolean> {
  await promiseRead(deps.pool, row.tenant_id, row.book_uuid, deps.taskQueue);
  const sent = await sendOrStart(deps, row, send).catch(async (err: unknown) => {
    await withdrawRead(deps.pool, row.tenant_id, row.book_uuid).catch(() => undefined);
    throw err;
  });
  if (!sent) await withdrawRead(deps.pool, row.tenant_id, row.book_uuid);
  return sent;
}

async function sendOrStart(deps: BookDeps, row: BookRow, send: () => Promise<boolean>): Promise<boolean> {
  if (await send()) return true;
  if (row.status !== 'CREATED') return false;
  await startBook(deps, row);
  return send();
}
