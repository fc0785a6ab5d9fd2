// Verification results in the intake log: stored before their 202, taken back on a 409, and read for their events.
import type { VerificationResult } from '../contract/book.js';
import type { StatementFields } from '../contract/statement-fields.js';
import { BOOK_COLUMNS, type BookRow } from './books.js';
import { COUNT_ADMITTED, LOCKED_BOOK } from './intake-admission.js';
import { prepared, type Pool, type PoolClient } from './pool.js';

/**
 * The intake log (migration 011): what the API acknowledged, stored before its 202, so that a message Temporal took
 * but the book never applied can be found and applied late instead of being lost.
 */
export interface StoredResult {
  tenantId: string;
  bookUuid: string;
  docUuid: string;
  result: VerificationResult;
  reason?: string | undefined;
  fields?: StatementFields | undefined;
  /** The request that sent it (X-Request-Id), kept for a read of the log to show. */
  requestId?: string | undefined;
}

export type StoredResultOutcome =
  /** The book is full and does not hold this document: nothing was stored. */
  | { kind: 'full' }
  | {
      kind: 'stored';
      resultId: string;
      inserted: boolean;
      continuing: boolean;
      /** The book's running recording reads the log before it ends (log-reads.ts): no signal is needed. */
      reading: boolean;
      /** How many documents the book holds in the log, this one among them (the signal tells the book). */
      documents: number;
    };

/**
 * Stores a verification result; a repeat of the same result for the same document stores nothing new but is counted
 * (`repeats`, `last_received_at`: the book view lists repeats among the ignored results). Returns the stored row's id,
 * whether this call inserted it, and whether the book is handing over or its running recording reads the log (then no
 * signal is needed: the next run or the read takes it from the log; a result stored so is marked `unsignalled`). A
 * result for a document the book does not hold adds the document (as the book will): it is admitted like an upload,
 * counted, and refused when the book is full. The book must exist (the API's route looks it up first when the common
 * case, `storeKnownDocumentResult`, finds nothing).
 */
export async function storeVerificationResult(
  pool: Pool,
  stored: StoredResult,
  maxDocuments: number,
): Promise<StoredResultOutcome> {
  return (await storeKnownDocumentResult(pool, stored)) ?? storeAdmittingResult(pool, stored, maxDocuments);
}

/**
 * The common case, a result for a document the book holds, in one statement that also reads the book's row (the
 * route then needs no lookup of its own): nothing to count, so the row is only share-locked. That still orders it
 * against the next run's clearing of the hand-over mark (an update), while the results of a burst to one book no
 * longer wait for each other's commits. Undefined: the book does not hold the document, or does not exist, or retention
 * removed its detail.
 */
export async function storeKnownDocumentResult(
  pool: Pool,
  stored: StoredResult,
): Promise<(StoredResultOutcome & { kind: 'stored'; book: BookRow }) | undefined> {
  const { rows } = await pool.query<
    BookRow & { result_id: string | null; inserted: boolean; continuing: boolean; reading: boolean }
  >(
    prepared(`with book as (
       select ${BOOK_COLUMNS},
              coalesce(continuing_until > clock_timestamp(), false) as continuing,
              coalesce(reads_log_until > clock_timestamp(), false) as reading
       from books where tenant_id = $1::text and book_uuid = $2::uuid and pruned_at is null
       for share
     ),
     known as (
       select 1 from documents where tenant_id = $1::text and book_uuid = $2::uuid and doc_uuid = $3::uuid
     ),
     stored as (
       insert into verification_results (tenant_id, book_uuid, doc_uuid, result, reason, fields, unsignalled, request_id)
       select $1::text, $2::uuid, $3::uuid, $4::text, $5::text, $6::jsonb, book.reading, $7::text from book
       where exists (select 1 from known)
       on conflict (tenant_id, book_uuid, doc_uuid, result) do update
         set repeats = verification_results.repeats + 1, last_received_at = clock_timestamp()
       returning id, repeats = 0 as inserted
     )
     select stored.id::text as result_id, stored.inserted, book.*
     from stored, book`),
    [
      stored.tenantId,
      stored.bookUuid,
      stored.docUuid,
      stored.result,
      stored.reason ?? null,
      stored.fields ? JSON.stringify(stored.fields) : null,
      stored.requestId ?? null,
    ],
  );
  const row = rows[0];
  if (!row?.result_id) return undefined;
  const { result_id: resultId, inserted, continuing, reading, ...book } = row;
  return { kind: 'stored', resultId, inserted, continuing, reading, documents: book.admitted_count, book };
}

/**
 * A result for a document the book does not hold adds the document, counted under the book's row lock. The book must
 * exist.
 */
export async function storeAdmittingResult(
  pool: Pool,
  stored: StoredResult,
  maxDocuments: number,
): Promise<StoredResultOutcome> {
  // ON CONFLICT DO UPDATE also sees an identical insert committed after this statement's snapshot (waiting for it if
  // it is in flight): one statement always finds or stores the row. Only an insert leaves `repeats` at 0. A completed
  // book ignores results for documents it does not hold: no document is added for them.
  const { rows } = await pool.query<{
    id: string | null;
    inserted: boolean;
    continuing: boolean;
    reading: boolean;
    full: boolean;
    documents: number;
  }>(
    prepared(`with ${LOCKED_BOOK},
     known as (
       select 1 from documents where tenant_id = $1::text and book_uuid = $2::uuid and doc_uuid = $4::uuid
     ),
     takes as (
       select exists (select 1 from known) or book.complete or book.has_room as ok from book
     ),
     admitted as (
       insert into documents (tenant_id, book_uuid, doc_uuid)
       select $1::text, $2::uuid, $4::uuid from book where not book.complete and book.has_room
       on conflict (tenant_id, book_uuid, doc_uuid) do nothing
       returning true as inserted
     ),
     ${COUNT_ADMITTED},
     stored as (
       insert into verification_results (tenant_id, book_uuid, doc_uuid, result, reason, fields, unsignalled, request_id)
       select $1::text, $2::uuid, $4::uuid, $5::text, $6::text, $7::jsonb, book.reading, $8::text
       from takes, book where takes.ok
       on conflict (tenant_id, book_uuid, doc_uuid, result) do update
         set repeats = verification_results.repeats + 1, last_received_at = clock_timestamp()
       returning id, repeats = 0 as inserted
     )
     select (select id::text from stored), coalesce((select inserted from stored), false) as inserted,
            book.continuing, book.reading, not (select ok from takes) as full,
            book.admitted_count + (select count(*) from admitted where admitted.inserted)::int as documents
     from book`),
    [
      stored.tenantId,
      stored.bookUuid,
      maxDocuments,
      stored.docUuid,
      stored.result,
      stored.reason ?? null,
      stored.fields ? JSON.stringify(stored.fields) : null,
      stored.requestId ?? null,
    ],
  );
  const row = rows[0];
  if (row?.full) return { kind: 'full' };
  if (row?.id) {
    const { id: resultId, inserted, continuing, reading, documents } = row;
    return { kind: 'stored', resultId, inserted, continuing, reading, documents };
  }
  throw new Error(`verification result for document ${stored.docUuid} could be neither stored nor found`);
}

/** Takes back a result this request stored when the book turned out not to take it (it is complete): a 409 changes nothing. */
export async function forgetVerificationResult(pool: Pool, tenantId: string, resultId: string): Promise<void> {
  await pool.query(`delete from verification_results where tenant_id = $1::text and id = $2::bigint`, [
    tenantId,
    resultId,
  ]);
}

/** Takes back the repeat this request counted when the book turned out not to take it (it is complete): a 409. */
export async function forgetRepeatedResult(pool: Pool, tenantId: string, resultId: string): Promise<void> {
  await pool.query(
    `update verification_results set repeats = repeats - 1
     where tenant_id = $1::text and id = $2::bigint and repeats > 0`,
    [tenantId, resultId],
  );
}

/** The stored reason and fields of results, by id: what a VERIFICATION_COMPLETE event carries. */
export async function findResultDetails(
  client: Pool | PoolClient,
  tenantId: string,
  resultIds: string[],
): Promise<Map<string, { reason: string | undefined; fields: StatementFields | undefined }>> {
  if (resultIds.length === 0) return new Map();
  const { rows } = await client.query<{ id: string; reason: string | null; fields: StatementFields | null }>(
    prepared(
      `select id::text, reason, fields from verification_results where tenant_id = $1::text and id = any($2::bigint[])`,
    ),
    [tenantId, resultIds],
  );
  return new Map(rows.map((row) => [row.id, { reason: row.reason ?? undefined, fields: row.fields ?? undefined }]));
}
