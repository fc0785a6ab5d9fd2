import type { BookAnalytics } from '../analytics/bank-statements.js';
import type { Pool } from './pool.js';

/** Stores (or replaces with the same result, on a retry) a book's analytics. */
export async function saveBookAnalytics(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  analytics: BookAnalytics,
): Promise<void> {
  await pool.query(
    `insert into book_analytics (tenant_id, book_uuid, analytics) values ($1::text, $2::uuid, $3::jsonb)
     on conflict (tenant_id, book_uuid) do update set analytics = excluded.analytics`,
    [tenantId, bookUuid, JSON.stringify(analytics)],
  );
}

export async function findBookAnalytics(
  pool: Pick<Pool, 'query'>,
  tenantId: string,
  bookUuid: string,
): Promise<BookAnalytics | undefined> {
  const result = await pool.query<{ analytics: BookAnalytics }>(
    'select analytics from book_analytics where tenant_id = $1::text and book_uuid = $2::uuid',
    [tenantId, bookUuid],
  );
  return result.rows[0]?.analytics;
}
