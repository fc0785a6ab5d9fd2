import type { VerificationResult } from '../contract/book.js';
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
 * Stores a verification result (a repeat of the same result for the same document stores nothing new). Returns the
 * stored row's id and whether this call inserted it.
 */
export async function storeVerificationResult(
  pool: Pool,
  stored: StoredResult,
): Promise<{ resultId: string; inserted: boolean }> {
  const params = [stored.tenantId, stored.bookUuid, stored.docUuid, stored.result];
  // Tried again when a concurrent identical insert committed between this statement's snapshot and its conflict check.
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await pool.query<{ id: string; inserted: boolean }>(
      `with inserted as (
         insert into verification_results (tenant_id, book_uuid, doc_uuid, result, reason, fields)
         values ($1::text, $2::uuid, $3::uuid, $4::text, $5::text, $6::jsonb)
         on conflict (tenant_id, book_uuid, doc_uuid, result) do nothing
         returning id
       )
       select id::text, true as inserted from inserted
       union all
       select id::text, false from verification_results
       where tenant_id = $1::text and book_uuid = $2::uuid and doc_uuid = $3::uuid and result = $4::text
       limit 1`,
      [...params, stored.reason ?? null, stored.fields ? JSON.stringify(stored.fields) : null],
    );
    const row = rows[0];
    if (row) return { resultId: row.id, inserted: row.inserted };
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
    `update books set continuing_until = now() + $3::int * interval '1 millisecond'
     where tenant_id = $1::text and book_uuid = $2::uuid`,
    [tenantId, bookUuid, forMs],
  );
}

/**
 * Whether the book is handing over to its next run. Read after the message is stored: if this still sees the mark,
 * the next run, which clears it before reading the log, will find the message.
 */
export async function isContinuing(pool: Pool, tenantId: string, bookUuid: string): Promise<boolean> {
  const { rows } = await pool.query<{ continuing: boolean }>(
    `select coalesce(continuing_until > now(), false) as continuing from books
     where tenant_id = $1::text and book_uuid = $2::uuid`,
    [tenantId, bookUuid],
  );
  return rows[0]?.continuing ?? false;
}

/** What the intake log holds that the book's recorded events do not show. */
export interface UnappliedIntake {
  /** Stored results of documents with no VERIFICATION_COMPLETE event, oldest first (at most one per result). */
  results: Array<{ docUuid: string; result: VerificationResult; resultId: string }>;
  /** Acknowledged uploads with neither an event nor a stored result (asked only when the book expects none). */
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
  // A new run takes over: messages go to it by signal again. Cleared before the log is read (see isContinuing).
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
    options.uploads
      ? pool.query<{ doc_uuid: string }>(
          `select d.doc_uuid from documents d
           where d.tenant_id = $1::text and d.book_uuid = $2::uuid and d.uploaded_at is not null
             and d.status = 'VERIFYING'
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
