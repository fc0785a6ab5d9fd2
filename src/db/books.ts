import type { BookStatus, Metadata } from '../contract/book.js';
import type { Pool } from './pool.js';

export interface BookRow {
  tenant_id: string;
  book_uuid: string;
  name: string;
  metadata: Metadata;
  status: BookStatus;
  created_at: Date;
}

const COLUMNS = 'tenant_id, book_uuid, name, metadata, status, created_at';

/**
 * Inserts the book unless (tenant, book_uuid) exists. Returns the stored row and whether this call created it,
 * so a repeated create can be compared with the first.
 */
export async function insertBook(
  pool: Pool,
  book: { tenantId: string; bookUuid: string; name: string; metadata: Metadata },
): Promise<{ row: BookRow; created: boolean }> {
  const inserted = await pool.query<BookRow>(
    `insert into books (tenant_id, book_uuid, name, metadata)
     values ($1::text, $2::uuid, $3::text, $4::jsonb)
     on conflict (tenant_id, book_uuid) do nothing
     returning ${COLUMNS}`,
    [book.tenantId, book.bookUuid, book.name, JSON.stringify(book.metadata)],
  );
  if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
  const existing = await findBook(pool, book.tenantId, book.bookUuid);
  if (!existing) throw new Error(`book ${book.bookUuid} vanished during insert`);
  return { row: existing, created: false };
}

export async function findBook(pool: Pool, tenantId: string, bookUuid: string): Promise<BookRow | undefined> {
  const result = await pool.query<BookRow>(
    `select ${COLUMNS} from books where tenant_id = $1::text and book_uuid = $2::uuid`,
    [tenantId, bookUuid],
  );
  return result.rows[0];
}

export async function updateBookStatus(pool: Pool, tenantId: string, bookUuid: string, status: BookStatus) {
  await pool.query(
    `update books set status = $3::text, updated_at = now()
     where tenant_id = $1::text and book_uuid = $2::uuid and status is distinct from $3::text`,
    [tenantId, bookUuid, status],
  );
}
