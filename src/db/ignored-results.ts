import type { VerificationResult } from '../contract/book.js';
import { withoutNestedLoops, type Pool } from './pool.js';

/** Results the book ignored, as the intake log and the documents' decided results show them. */
export interface IgnoredResults {
  /** Every ignored arrival, repeats included. */
  count: number;
  /** The latest (document, result) pairs, at most `limit`, oldest first; `times` counts its ignored arrivals. */
  recent: Array<{
    at: Date;
    doc_uuid: string;
    result: VerificationResult;
    decided: VerificationResult | null;
    times: number;
  }>;
}

/**
 * The book's ignored results, newest first, each with the total: its results joined with its documents, at most a
 * few rows ignored. Run it `withoutNestedLoops` (right after a burst, a nested loop took 3 s at 5,000 documents).
 */
export const IGNORED_RESULTS = `with complete as (
    select status in ('COMPLETE', 'ANALYTICS_COMPLETE') as yes
    from books where tenant_id = $1::text and book_uuid = $2::uuid
  ),
  ignored as (
    select r.id, r.doc_uuid, r.result, d.result as decided,
           case when r.result = d.result then r.repeats else 1 + r.repeats end as times,
           coalesce(r.last_received_at, r.received_at) as at
    from verification_results r
    left join documents d on d.tenant_id = r.tenant_id and d.book_uuid = r.book_uuid and d.doc_uuid = r.doc_uuid
    where r.tenant_id = $1::text and r.book_uuid = $2::uuid
      and case when d.result is null then coalesce((select yes from complete), false)
               else r.result <> d.result or r.repeats > 0 end
  )
  select at, doc_uuid, result, decided, times, (sum(times) over ())::int as total
  from ignored order by at desc, id desc limit $3::int`;

/**
 * A result stored for a document changed the book only if it is the document's decided result (`documents.result`,
 * written by the workflow's activity) and only its first arrival: later arrivals of it (`repeats`), a result that
 * differs from the decided one, and, once the book is complete, a result for a document it never decided are
 * ignored. A result the book has not decided yet is not counted: the view shows what the book recorded.
 */
export async function findIgnoredResults(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  limit: number,
): Promise<IgnoredResults> {
  const { rows } = await withoutNestedLoops(pool, (client) =>
    client.query<IgnoredResults['recent'][number] & { total: number }>(IGNORED_RESULTS, [tenantId, bookUuid, limit]),
  );
  const recent = rows.map(({ at, doc_uuid, result, decided, times }) => ({ at, doc_uuid, result, decided, times }));
  return { count: rows[0]?.total ?? 0, recent: recent.reverse() };
}
