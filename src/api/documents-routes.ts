import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import {
  BookUuidSchema,
  DocUuidSchema,
  UploadDocumentRequestSchema,
  VerificationRequestSchema,
} from '../contract/book.js';
import { upsertUploadedDocument } from '../db/documents.js';
import { forgetVerificationResult, isContinuing, storeVerificationResult } from '../db/intake.js';
import { signalVerification, uploadDocument, type UploadOutcome } from '../temporal/books.js';
import { requireBook, sendToBook, type BookDeps } from './book-access.js';
import { KeyedLimiter } from './keyed-limiter.js';
import { conflict, HttpProblem, parseInput } from './problem.js';
import type { AppState } from './state.js';

export interface DocumentRouteDeps extends BookDeps {
  /** How long an upload waits for the workflow to accept it before a 503. */
  updateTimeoutMs: number;
}

// Below Temporal's default of 10 in-flight updates per workflow, leaving room for a second API node.
const UPLOADS_IN_FLIGHT_PER_BOOK = 6;

const completeBook = (bookUuid: string) =>
  conflict(`Book ${bookUuid} is complete: it takes no more uploads or verification results.`);

/**
 * An upload needs the workflow's answer (a sealed book refuses it): while the book hands over to its next run, wait
 * for that run (a second or two) rather than land on the closing one.
 */
async function untilHandedOver(pool: DocumentRouteDeps['pool'], tenantId: string, bookUuid: string, maxMs: number) {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline && (await isContinuing(pool, tenantId, bookUuid))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function registerDocumentRoutes(router: Router<AppState>, deps: DocumentRouteDeps): void {
  const { pool, temporal } = deps;
  const perBook = new KeyedLimiter(UPLOADS_IN_FLIGHT_PER_BOOK);

  router.post('/v1/books/:book_uuid/documents', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const body = parseInput(UploadDocumentRequestSchema, ctx.request.body, 'request body');
    const { tenantId } = ctx.state;
    const row = await requireBook(pool, tenantId, bookUuid);
    const docUuid = body.doc_uuid ?? randomUUID();
    const upload = () =>
      perBook.run(`${tenantId}/${bookUuid}`, async () => {
        await untilHandedOver(pool, tenantId, bookUuid, deps.updateTimeoutMs);
        return uploadDocument(temporal, tenantId, bookUuid, docUuid, deps.updateTimeoutMs);
      });
    // Set inside the send below (TypeScript does not follow assignments in closures).
    let outcome = { kind: 'not_running' } as UploadOutcome;
    try {
      await sendToBook(deps, row, async () => {
        outcome = await upload();
        return outcome.kind !== 'not_running';
      });
    } catch (err) {
      throw new HttpProblem(
        503,
        'Service Unavailable',
        `The book did not accept the document in time; retry with the same doc_uuid (${docUuid}).`,
        undefined,
        { cause: err },
      );
    }
    if (outcome.kind === 'refused') throw conflict(outcome.message);
    if (outcome.kind === 'not_running') throw completeBook(bookUuid);
    // The workflow accepted the document; its details go to Postgres (a repeat of the same upload changes nothing).
    const stored = await upsertUploadedDocument(pool, {
      tenantId,
      bookUuid,
      docUuid,
      name: body.name,
      ...(body.mime_type ? { mimeType: body.mime_type } : {}),
      ...(body.size_bytes !== undefined ? { sizeBytes: body.size_bytes } : {}),
    });
    if (stored.name !== body.name) {
      throw conflict(`Document ${docUuid} already exists in book ${bookUuid} with the name '${stored.name}'.`);
    }
    ctx.status = 202;
    ctx.set('Location', `/v1/books/${bookUuid}`);
    ctx.body = { doc_uuid: docUuid, status: outcome.status };
  });

  router.post('/v1/books/:book_uuid/documents/:doc_uuid/verification', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const docUuid = parseInput(DocUuidSchema, ctx.params.doc_uuid, 'doc_uuid');
    const body = parseInput(VerificationRequestSchema, ctx.request.body, 'request body');
    const { tenantId } = ctx.state;
    const row = await requireBook(pool, tenantId, bookUuid);
    // Durable in PostgreSQL before anything is acknowledged: the book checks this log before BOOK_COMPLETE, so a signal
    // Temporal took but the workflow never applied costs a delay, never an event. The signal carries ids only.
    const { resultId, inserted } = await storeVerificationResult(pool, {
      tenantId,
      bookUuid,
      docUuid,
      result: body.result,
      reason: body.reason,
      fields: body.fields,
    });
    const signal = { docUuid, result: body.result, resultId };
    // 202 once Temporal has durably accepted the signal, or, while the book hands over to its next run, once the result
    // is stored: that run reads the log first. The workflow decides whether it is the first result.
    const accepted =
      (await isContinuing(pool, tenantId, bookUuid)) ||
      (await sendToBook(deps, row, () => signalVerification(temporal, tenantId, bookUuid, signal)));
    if (!accepted) {
      if (inserted) await forgetVerificationResult(pool, tenantId, resultId);
      throw completeBook(bookUuid);
    }
    ctx.status = 202;
    ctx.body = { doc_uuid: docUuid, accepted: true };
  });
}
