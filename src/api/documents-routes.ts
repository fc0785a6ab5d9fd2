import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import {
  BookUuidSchema,
  DocUuidSchema,
  UploadDocumentRequestSchema,
  VerificationRequestSchema,
} from '../contract/book.js';
import { storeUpload } from '../db/intake-admission.js';
import { joinRead } from '../db/log-reads.js';
import {
  forgetRepeatedResult,
  forgetVerificationResult,
  storeAdmittingResult,
  storeKnownDocumentResult,
} from '../db/intake-results.js';
import { signalVerification } from '../temporal/books.js';
import { currentRequestId } from '../temporal/request-id.js';
import { requireBook, sendToBook, type BookDeps } from './book-access.js';
import { conflict, HttpProblem, parseInput } from './problem.js';
import type { AppState } from './state.js';

const fullBook = (bookUuid: string, maxDocuments: number) =>
  conflict(
    'book-full',
    `Book ${bookUuid} holds ${maxDocuments} documents, the most a book may hold: put further documents in another book.`,
  );

const completeBook = (bookUuid: string) =>
  conflict('book-complete', `Book ${bookUuid} is complete: it takes no more verification results.`);

/**
 * Signals the book about a message already stored in the intake log. Temporal out of reach is a 503: the message is
 * kept (a retry of the same request acknowledges it, and the book's next check finds it in any case).
 */
async function announce(send: () => Promise<boolean>, retry: string): Promise<boolean> {
  try {
    return await send();
  } catch (err) {
    const detail = `The book could not be reached in time; what you sent is stored: ${retry} to have it acknowledged.`;
    throw new HttpProblem('book-unreachable', detail, { cause: err });
  }
}

export function registerDocumentRoutes(router: Router<AppState>, deps: BookDeps & { maxDocuments: number }): void {
  const { pool, temporal, maxDocuments } = deps;

  router.post('/v1/books/:book_uuid/documents', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const body = parseInput(UploadDocumentRequestSchema, ctx.request.body, 'request body');
    const { tenantId } = ctx.state;
    await requireBook(pool, tenantId, bookUuid);
    const docUuid = body.doc_uuid ?? randomUUID();
    // Acknowledged once durable in PostgreSQL, and no book is woken: the book learns how many documents it holds with
    // its next result or seal (their `documents`), and their ids with their results or its check of the log.
    const stored = await storeUpload(
      pool,
      {
        tenantId,
        bookUuid,
        docUuid,
        name: body.name,
        mimeType: body.mime_type,
        sizeBytes: body.size_bytes,
      },
      maxDocuments,
    );
    if (stored.kind === 'closed') {
      throw conflict('book-sealed', `Book ${bookUuid} is sealed: it takes no more uploads.`);
    }
    if (stored.kind === 'full') throw fullBook(bookUuid, maxDocuments);
    if (stored.name !== null && stored.name !== body.name) {
      throw conflict(
        'doc-uuid-taken',
        `Document ${docUuid} already exists in book ${bookUuid} with the name '${stored.name}'.`,
      );
    }
    ctx.status = 202;
    ctx.set('Location', `/v1/books/${bookUuid}`);
    ctx.body = { doc_uuid: docUuid, status: stored.status };
  });

  router.post('/v1/books/:book_uuid/documents/:doc_uuid/verification', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const docUuid = parseInput(DocUuidSchema, ctx.params.doc_uuid, 'doc_uuid');
    const body = parseInput(VerificationRequestSchema, ctx.request.body, 'request body');
    const { tenantId } = ctx.state;
    // Durable in PostgreSQL before anything is acknowledged: the book checks this log before BOOK_COMPLETE, so a signal
    // Temporal took but the workflow never applied costs a delay, never an event. The signal carries ids only.
    const result = {
      tenantId,
      bookUuid,
      docUuid,
      result: body.result,
      reason: body.reason,
      fields: body.fields,
      requestId: currentRequestId(),
    };
    // The common case, a document the book holds, reads the book with the store: one statement. Otherwise the book is
    // looked up (404, 410) before the result is admitted with its document.
    const known = await storeKnownDocumentResult(pool, result);
    const row = known?.book ?? (await requireBook(pool, tenantId, bookUuid));
    const stored = known ?? (await storeAdmittingResult(pool, result, maxDocuments));
    if (stored.kind === 'full') throw fullBook(bookUuid, maxDocuments);
    const { resultId, inserted, continuing, reading, documents } = stored;
    const signal = { docUuid, result: body.result, resultId, documents };
    // 202 once Temporal has durably accepted the signal, or, while the book hands over to its next run or its running
    // recording reads the log before it ends, once the result is stored: the run or the read takes it from the log (a
    // burst to a busy book costs no signal per result; one stored while another request wakes the book joins the read
    // that one promised). A repeat, which adds no row for a read to find, is signalled:
    // the book counts it among the ignored results. The workflow decides whether it is the first result.
    const accepted =
      continuing ||
      (reading && inserted) ||
      (await announce(
        () =>
          sendToBook(
            deps,
            row,
            () => signalVerification(temporal, tenantId, bookUuid, signal),
            inserted ? () => joinRead(pool, tenantId, bookUuid, resultId) : undefined,
          ),
        'send the same result again',
      ));
    if (!accepted) {
      if (inserted) await forgetVerificationResult(pool, tenantId, resultId);
      else await forgetRepeatedResult(pool, tenantId, resultId);
      throw completeBook(bookUuid);
    }
    ctx.status = 202;
    ctx.body = { doc_uuid: docUuid, accepted: true };
  });
}
