// The book's side of the intake log: the hand-over mark its next run clears, and its check of what it has not applied.
import type { VerificationResult } from '../contract/book.js';
import { prepared, withoutNestedLoops, type Pool } from './pool.js';

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

/** The book's stored results with no VERIFICATION_COMPLETE event, oldest first (run it `withoutNestedLoops`). */
export const UNRECORDED_RESULTS = `select r.doc_uuid, r.result, r.id::text from verification_results r
  where r.tenant_id = $1::text and r.book_uuid = $2::uuid
    and not exists (select 1 from events e
                    where e.tenant_id = r.tenant_id and e.book_uuid = r.book_uuid and e.doc_uuid = r.doc_uuid
                      and e.event_type = 'VERIFICATION_COMPLETE')
  order by r.id`;

export async function findUnappliedIntake(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  options: { uploads: boolean; resumed?: boolean },
): Promise<UnappliedIntake> {
  const params = [tenantId, bookUuid];
  // A new run takes over: messages go to it by signal again. Cleared before the log is read (see LOCKED_BOOK in intake-admission.ts).
  if (options.resumed) {
    await pool.query(
      `update books set continuing_until = null
       where tenant_id = $1::text and book_uuid = $2::uuid and continuing_until is not null`,
      params,
    );
  }
  // Joins of the book's lists (results against events, uploads against results): right after a burst a nested loop
  // over stale statistics made this check take 11 s at 10,000 documents (see withoutNestedLoops).
  const [results, uploads, book] = await withoutNestedLoops(pool, async (client) => [
    await client.query<{ doc_uuid: string; result: VerificationResult; id: string }>(
      prepared(UNRECORDED_RESULTS),
      params,
    ),
    options.uploads || options.resumed
      ? await client.query<{ doc_uuid: string }>(
          prepared(`select d.doc_uuid from documents d
           where d.tenant_id = $1::text and d.book_uuid = $2::uuid and d.uploaded_at is not null
             and d.status = 'VERIFYING'
             ${options.uploads ? '' : `and d.uploaded_at >= (select b.continuing_since from books b where b.tenant_id = $1::text and b.book_uuid = $2::uuid)`}
             and not exists (select 1 from verification_results r
                             where r.tenant_id = d.tenant_id and r.book_uuid = d.book_uuid and r.doc_uuid = d.doc_uuid)
           order by d.uploaded_at, d.doc_uuid`),
          params,
        )
      : { rows: [] },
    await client.query<{ seal_requested: boolean }>(
      prepared(`select seal_requested_at is not null as seal_requested from books
       where tenant_id = $1::text and book_uuid = $2::uuid`),
      params,
    ),
  ]);
  return {
    results: results.rows.map((row) => ({ docUuid: row.doc_uuid, result: row.result, resultId: row.id })),
    uploads: uploads.rows.map((row) => row.doc_uuid),
    sealRequested: book.rows[0]?.seal_requested ?? false,
  };
}
