import type { DocumentStatus, VerificationResult } from '../contract/book.js';
import type { StatementFields } from '../contract/statement-fields.js';
import type { Pool, PoolClient } from './pool.js';

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
}

/**
 * The book's row, locked for the rest of the statement's transaction, whether it is handing over to its next run, and
 * whether it has room for another document (`$3`: BOOK_MAX_DOCUMENTS). The lock orders this message against the next
 * run's clearing of the mark (which then reads the log), against a seal, and against other messages to the same book:
 * each sees the document count the one before it left, so a book never holds more documents than the maximum.
 */
const LOCKED_BOOK = `book as (
    select seal_requested_at is null and status in ('CREATED', 'UPLOAD') as open,
           status in ('COMPLETE', 'ANALYTICS_COMPLETE') as complete,
           admitted_count < $3::int as has_room,
           coalesce(continuing_until > clock_timestamp(), false) as continuing
    from books where tenant_id = $1::text and book_uuid = $2::uuid
    for no key update
  )`;

/** Counts the document the statement's `admitted` CTE stored, if it did. */
const COUNT_ADMITTED = `counted as (
    update books set admitted_count = admitted_count + 1
    where tenant_id = $1::text and book_uuid = $2::uuid and exists (select 1 from admitted where admitted.inserted)
  )`;

export type StoredResultOutcome =
  /** The book is full and does not hold this document: nothing was stored. */
  { kind: 'full' } | { kind: 'stored'; resultId: string; inserted: boolean; continuing: boolean };

/**
 * Stores a verification result; a repeat of the same result for the same document stores nothing new but is counted
 * (`repeats`, `last_received_at`: the book view lists repeats among the ignored results). Returns the stored row's id,
 * whether this call inserted it, and whether the book is handing over (then no signal is needed: the next run reads
 * the log first). A result for a document the book does not hold adds the document (as the book will): it is admitted
 * like an upload, counted, and refused when the book is full.
 */
export async function storeVerificationResult(
  pool: Pool,
  stored: StoredResult,
  maxDocuments: number,
): Promise<StoredResultOutcome> {
  return (await storeKnownDocumentResult(pool, stored)) ?? storeAdmittingResult(pool, stored, maxDocuments);
}

/**
 * The common case, a result for a document the book holds: nothing to count, so the book's row is only share-locked.
 * That still orders it against the next run's clearing of the hand-over mark (an update), while the results of a
 * burst to one book no longer wait for each other's commits. Undefined: the book does not hold the document.
 */
async function storeKnownDocumentResult(pool: Pool, stored: StoredResult): Promise<StoredResultOutcome | undefined> {
  const { rows } = await pool.query<{ id: string | null; inserted: boolean; continuing: boolean }>(
    `with book as (
       select coalesce(continuing_until > clock_timestamp(), false) as continuing
       from books where tenant_id = $1::text and book_uuid = $2::uuid
       for share
     ),
     known as (
       select 1 from documents where tenant_id = $1::text and book_uuid = $2::uuid and doc_uuid = $3::uuid
     ),
     stored as (
       insert into verification_results (tenant_id, book_uuid, doc_uuid, result, reason, fields)
       select $1::text, $2::uuid, $3::uuid, $4::text, $5::text, $6::jsonb from book where exists (select 1 from known)
       on conflict (tenant_id, book_uuid, doc_uuid, result) do update
         set repeats = verification_results.repeats + 1, last_received_at = clock_timestamp()
       returning id, repeats = 0 as inserted
     )
     select stored.id::text, stored.inserted, book.continuing from stored, book`,
    [
      stored.tenantId,
      stored.bookUuid,
      stored.docUuid,
      stored.result,
      stored.reason ?? null,
      stored.fields ? JSON.stringify(stored.fields) : null,
    ],
  );
  const row = rows[0];
  return row?.id ? { kind: 'stored', resultId: row.id, inserted: row.inserted, continuing: row.continuing } : undefined;
}

/** A result for a document the book does not hold adds the document, counted under the book's row lock. */
async function storeAdmittingResult(
  pool: Pool,
  stored: StoredResult,
  maxDocuments: number,
): Promise<StoredResultOutcome> {
  // ON CONFLICT DO UPDATE also sees an identical insert committed after this statement's snapshot (waiting for it if
  // it is in flight): one statement always finds or stores the row. Only an insert leaves `repeats` at 0. A completed
  // book ignores results for documents it does not hold: no document is added for them.
  const { rows } = await pool.query<{ id: string | null; inserted: boolean; continuing: boolean; full: boolean }>(
    `with ${LOCKED_BOOK},
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
       insert into verification_results (tenant_id, book_uuid, doc_uuid, result, reason, fields)
       select $1::text, $2::uuid, $4::uuid, $5::text, $6::text, $7::jsonb from takes where takes.ok
       on conflict (tenant_id, book_uuid, doc_uuid, result) do update
         set repeats = verification_results.repeats + 1, last_received_at = clock_timestamp()
       returning id, repeats = 0 as inserted
     )
     select (select id::text from stored), coalesce((select inserted from stored), false) as inserted,
            book.continuing, not (select ok from takes) as full
     from book`,
    [
      stored.tenantId,
      stored.bookUuid,
      maxDocuments,
      stored.docUuid,
      stored.result,
      stored.reason ?? null,
      stored.fields ? JSON.stringify(stored.fields) : null,
    ],
  );
  const row = rows[0];
  if (row?.full) return { kind: 'full' };
  if (row?.id) return { kind: 'stored', resultId: row.id, inserted: row.inserted, continuing: row.continuing };
  throw new Error(`verification result for document ${stored.docUuid} could be neither stored nor found`);
}

export interface UploadToStore {
  tenantId: string;
  bookUuid: string;
  docUuid: string;
  name: string;
  mimeType?: string | undefined;
  sizeBytes?: number | undefined;
}

export type StoredUpload =
  /** The book takes no more documents (a seal was asked for or it completed) and does not hold this one. */
  | { kind: 'closed' }
  /** The book holds BOOK_MAX_DOCUMENTS documents and not this one. */
  | { kind: 'full' }
  | {
      kind: 'stored';
      /** The book still takes documents (false: a repeat of one it holds, after the seal). */
      open: boolean;
      /** The stored name: a repeat under another name is the caller's 409. */
      name: string | null;
      status: DocumentStatus;
      continuing: boolean;
    };

/**
 * Stores an upload before it is acknowledged, in one statement that locks the book's row: an upload either precedes
 * the seal in the log (so the seal's check finds it and the book waits for its result) or sees the seal and is
 * refused. A repeat of a document the book already holds is accepted whatever the book's state, and changes nothing.
 */
export async function storeUpload(pool: Pool, upload: UploadToStore, maxDocuments: number): Promise<StoredUpload> {
  const { rows } = await pool.query<{
    open: boolean;
    has_room: boolean;
    continuing: boolean;
    name: string | null;
    status: DocumentStatus | null;
  }>(
    `with ${LOCKED_BOOK},
     existing as (
       select name, status from documents where tenant_id = $1::text and book_uuid = $2::uuid and doc_uuid = $4::uuid
     ),
     admitted as (
       -- uploaded_at is taken after the snapshot (clock_timestamp): an upload left unsignalled during a hand-over is
       -- later than the mark's start, which is what the next run looks for. xmax is 0 only in a row just inserted.
       insert into documents (tenant_id, book_uuid, doc_uuid, name, mime_type, size_bytes, uploaded_at)
       select $1::text, $2::uuid, $4::uuid, $5::text, $6::text, $7::bigint, clock_timestamp() from book
       where book.open and (book.has_room or exists (select 1 from existing))
       on conflict (tenant_id, book_uuid, doc_uuid) do update
         set name = coalesce(documents.name, excluded.name),
             mime_type = coalesce(documents.mime_type, excluded.mime_type),
             size_bytes = coalesce(documents.size_bytes, excluded.size_bytes),
             uploaded_at = coalesce(documents.uploaded_at, excluded.uploaded_at)
       returning name, status, xmax = 0 as inserted
     ),
     ${COUNT_ADMITTED}
     select book.open, book.has_room, book.continuing,
            coalesce((select name from admitted), (select name from existing)) as name,
            -- A result logged before the upload decides the status even before the book records it.
            coalesce(
              (select case r.result when 'SUCCEEDED' then 'VERIFICATION_COMPLETE' else 'REJECTED' end
               from verification_results r
               where r.tenant_id = $1::text and r.book_uuid = $2::uuid and r.doc_uuid = $4::uuid
               order by r.id limit 1),
              (select status from admitted),
              (select status from existing)
            ) as status
     from book`,
    [
      upload.tenantId,
      upload.bookUuid,
      maxDocuments,
      upload.docUuid,
      upload.name,
      upload.mimeType ?? null,
      upload.sizeBytes ?? null,
    ],
  );
  const row = rows[0];
  if (row && !row.status && row.open && !row.has_room) return { kind: 'full' };
  if (!row || !row.status) return { kind: 'closed' };
  const { open, continuing, name, status } = row;
  return { kind: 'stored', open, name, status, continuing };
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
    `select id::text, reason, fields from verification_results where tenant_id = $1::text and id = any($2::bigint[])`,
    [tenantId, resultIds],
  );
  return new Map(rows.map((row) => [row.id, { reason: row.reason ?? undefined, fields: row.fields ?? undefined }]));
}

/**
 * Marks that a seal was asked for (the first time counts) and answers whether the book is handing over to its next
 * run (see isContinuing). One statement: it locks the book's row, so the next run's clearing of the mark, which then
 * reads the log, comes either before it (mark seen clear) or after it (seal seen).
 */
export async function storeSealRequest(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
): Promise<{ continuing: boolean }> {
  const { rows } = await pool.query<{ continuing: boolean }>(
    `update books set seal_requested_at = coalesce(seal_requested_at, now())
     where tenant_id = $1::text and book_uuid = $2::uuid
     returning coalesce(continuing_until > now(), false) as continuing`,
    [tenantId, bookUuid],
  );
  return { continuing: rows[0]?.continuing ?? false };
}

/**
 * The book is handing over to its next run for `forMs` (at most: the next run ends it sooner): messages are stored
 * and acknowledged without a signal meanwhile.
 */
export async function markContinuing(pool: Pool, tenantId: string, bookUuid: string, forMs: number): Promise<void> {
  await pool.query(
    // A retry of the same hand-over keeps its start (uploads left unsignalled since then are listed by the next run).
    `update books
     set continuing_since = case when continuing_until > now() then continuing_since else now() end,
         continuing_until = now() + $3::int * interval '1 millisecond'
     where tenant_id = $1::text and book_uuid = $2::uuid`,
    [tenantId, bookUuid, forMs],
  );
}

/** What the intake log holds that the book's recorded events do not show. */
export interface UnappliedIntake {
  /** Stored results of documents with no VERIFICATION_COMPLETE event, oldest first (at most one per result). */
  results: Array<{ docUuid: string; result: VerificationResult; resultId: string }>;
  /**
   * Acknowledged uploads with neither an event nor a stored result: all of them when the book expects none, those
   * stored since the hand-over began in a continued run's first check, none otherwise.
   */
  uploads: string[];
  sealRequested: boolean;
}

export async function findUnappliedIntake(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  options: { uploads: boolean; resumed?: boolean },
): Promise<UnappliedIntake> {
  const params = [tenantId, bookUuid];
  // A new run takes over: messages go to it by signal again. Cleared before the log is read (see LOCKED_BOOK).
  if (options.resumed) {
    await pool.query(
      `update books set continuing_until = null
       where tenant_id = $1::text and book_uuid = $2::uuid and continuing_until is not null`,
      params,
    );
  }
  const [results, uploads, book] = await Promise.all([
    pool.query<{ doc_uuid: string; result: VerificationResult; id: string }>(
      `select r.doc_uuid, r.result, r.id::text from verification_results r
       where r.tenant_id = $1::text and r.book_uuid = $2::uuid
         and not exists (select 1 from events e
                         where e.tenant_id = r.tenant_id and e.book_uuid = r.book_uuid and e.doc_uuid = r.doc_uuid
                           and e.event_type = 'VERIFICATION_COMPLETE')
       order by r.id`,
      params,
    ),
    options.uploads || options.resumed
      ? pool.query<{ doc_uuid: string }>(
          `select d.doc_uuid from documents d
           where d.tenant_id = $1::text and d.book_uuid = $2::uuid and d.uploaded_at is not null
             and d.status = 'VERIFYING'
             ${options.uploads ? '' : `and d.uploaded_at >= (select b.continuing_since from books b where b.tenant_id = $1::text and b.book_uuid = $2::uuid)`}
             and not exists (select 1 from verification_results r
                             where r.tenant_id = d.tenant_id and r.book_uuid = d.book_uuid and r.doc_uuid = d.doc_uuid)
           order by d.uploaded_at, d.doc_uuid`,
          params,
        )
      : Promise.resolve({ rows: [] }),
    pool.query<{ seal_requested: boolean }>(
      `select seal_requested_at is not null as seal_requested from books
       where tenant_id = $1::text and book_uuid = $2::uuid`,
      params,
    ),
  ]);
  return {
    results: results.rows.map((row) => ({ docUuid: row.doc_uuid, result: row.result, resultId: row.id })),
    uploads: uploads.rows.map((row) => row.doc_uuid),
    sealRequested: book.rows[0]?.seal_requested ?? false,
  };
}
