import type { Pool } from './pool.js';

export interface SummaryCounts {
  open: number;
  waiting: number;
  complete_since: number;
  failed_verifications_since: number;
}

/**
 * The tenant's summary counts, each read from an index that holds only what it counts: books by status (002),
 * completions by time and failed verifications by time (026, partial indexes whose predicates these repeat word for
 * word, so the planner can use them).
 */
export async function readSummary(pool: Pool, tenantId: string, since: Date): Promise<SummaryCounts> {
  const result = await pool.query<SummaryCounts>(
    `select
       (select count(*) from books
        where tenant_id = $1::text and status in ('CREATED', 'UPLOAD'))::int as open,
       (select count(*) from books
        where tenant_id = $1::text and status = 'SEALED')::int as waiting,
       (select count(*) from books
        where tenant_id = $1::text and completed_at is not null and completed_at >= $2::timestamptz)::int
         as complete_since,
       (select count(*) from events
        where tenant_id = $1::text and event_type = 'VERIFICATION_COMPLETE' and payload->>'result' = 'FAILED'
          and occurred_at >= $2::timestamptz)::int as failed_verifications_since`,
    [tenantId, since.toISOString()],
  );
  return result.rows[0] as SummaryCounts;
}
