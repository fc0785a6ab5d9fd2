import type { BookStatus, DocumentCounts, Metadata } from '../contract/book.js';
import { prepared, type Pool, type PoolClient } from './pool.js';
import { LOG_READ_LEASE_MS } from './log-reads.js';
import { isComplete } from '../../workflows/book-state.js';

export interface BookRow {
  tenant_id: string;
  book_uuid: string;
  name: string;
  metadata: Metadata;
  status: BookStatus;
  seal_after_ms: string | null;
  /** The book's counts as its workflow last recorded them (with its events). */
  document_count: number;
  verified_count: number;
  rejected_count: number;
  /** Documents stored in the intake log: uploads wake no book, so its own count lags until its next message. */
  admitted_count: number;
  created_at: Date;
  /** Written by the book's activities with the events that decide them (migration 014). */
  sealed_at: Date | null;
  sealed_by: 'request' | 'seal_after' | null;
  completed_at: Date | null;
  analyzed_at: Date | null;
  /** When retention removed the finished book's detail (migration 016); the row stays as its summary. */
  pruned_at: Date | null;
}

/** Every column of a `BookRow`, for the statements that read one. */
export const BOOK_COLUMNS =
  'tenant_id, book_uuid, name, metadata, status, seal_after_ms, document_count, verified_count, rejected_count, ' +
  'admitted_count, created_at, sealed_at, sealed_by, completed_at, analyzed_at, pruned_at';

/**
 * Inserts the book unless (tenant, book_uuid) exists. Returns the stored row and whether this call created it,
 * so a repeated create can be compared with the first.
 */
export async function insertBook(
  pool: Pool,
  book: { tenantId: string; bookUuid: string; name: string; metadata: Metadata; sealAfterMs?: number | undefined },
): Promise<{ row: BookRow; created: boolean }> {
  const inserted = await pool.query<BookRow>(
    `insert into books (tenant_id, book_uuid, name, metadata, seal_after_ms)
     values ($1::text, $2::uuid, $3::text, $4::jsonb, $5::bigint)
     on conflict (tenant_id, book_uuid) do nothing
     returning ${BOOK_COLUMNS}`,
    [book.tenantId, book.bookUuid, book.name, JSON.stringify(book.metadata), book.sealAfterMs ?? null],
  );
  if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
  const existing = await findBook(pool, book.tenantId, book.bookUuid);
  if (!existing) throw new Error(`book ${book.bookUuid} vanished during insert`);
  return { row: existing, created: false };
}

export async function findBook(pool: Pool, tenantId: string, bookUuid: string): Promise<BookRow | undefined> {
  const result = await pool.query<BookRow>(
    prepared(`select ${BOOK_COLUMNS} from books where tenant_id = $1::text and book_uuid = $2::uuid`),
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

/**
 * A book whose workflow the API started takes documents: CREATED becomes UPLOAD (the workflow, which used to record
 * this itself with an activity of its own, then owes PostgreSQL nothing until its first decision).
 */
export async function markBookStarted(pool: Pool, tenantId: string, bookUuid: string): Promise<void> {
  await pool.query(
    `update books set status = 'UPLOAD', updated_at = now()
     where tenant_id = $1::text and book_uuid = $2::uuid and status = 'CREATED'`,
    [tenantId, bookUuid],
  );
}

/** When the book sealed (and how), completed and was analyzed: set once, by the batch that decided it. */
export interface BookMilestones {
  sealed?: { at: string; by: 'request' | 'seal_after' } | undefined;
  completedAt?: string | undefined;
  analyzedAt?: string | undefined;
}

/**
 * Mirrors the workflow's status, counts and milestones (the read model). Idempotent: the first value set stays.
 */
export async function updateBookProgress(
  client: PoolClient,
  tenantId: string,
  bookUuid: string,
  status: BookStatus,
  counts: DocumentCounts,
  milestones: BookMilestones = {},
  /** The task queue of a recording that reads the log before it ends (the API then need not signal meanwhile). */
  readsLogQueue?: string,
): Promise<{ name: string }> {
  const result = await client.query<{ name: string }>(
    prepared(`update books set status = $3::text, document_count = $4::int, verified_count = $5::int,
       rejected_count = $6::int, updated_at = now(),
       -- The recording reads the log before it ends (log-reads.ts): until then the API need not signal.
       reads_log_until = case when $11::text is null then reads_log_until
                              else now() + $12::int * interval '1 millisecond' end,
       reads_log_queue = coalesce($11::text, reads_log_queue),
       -- A seal scheduled before the activity carried its time (an older run) falls back to the request's.
       sealed_at = coalesce(sealed_at, $7::timestamptz, case when $3::text <> 'UPLOAD' then seal_requested_at end),
       sealed_by = coalesce(sealed_by, $8::text),
       completed_at = coalesce(completed_at, $9::timestamptz), analyzed_at = coalesce(analyzed_at, $10::timestamptz)
     where tenant_id = $1::text and book_uuid = $2::uuid
     returning name`),
    [
      tenantId,
      bookUuid,
      status,
      counts.total,
      counts.verified,
      counts.rejected,
      milestones.sealed?.at ?? null,
      milestones.sealed?.by ?? null,
      milestones.completedAt ?? null,
      milestones.analyzedAt ?? null,
      readsLogQueue ?? null,
      LOG_READ_LEASE_MS,
    ],
  );
  if (!result.rows[0]) throw new Error(`book ${bookUuid} of tenant ${tenantId} is not in the database`);
  return result.rows[0];
}

/** Whether the book's recorded status is COMPLETE or past it (as the workflow's `isComplete` says). */
export async function isBookComplete(pool: Pool, tenantId: string, bookUuid: string): Promise<boolean> {
  const { rows } = await pool.query<{ status: BookStatus }>(
    prepared(`select status from books where tenant_id = $1::text and book_uuid = $2::uuid`),
    [tenantId, bookUuid],
  );
  const row = rows[0];
  return row ? isComplete(row) : false;
}

export interface BookPageCursor {
  createdAt: string;
  bookUuid: string;
}

/** A tenant's books, newest first, keyset-paginated (stable under concurrent inserts). */
export async function listBooks(
  pool: Pool,
  tenantId: string,
  options: {
    status?: BookStatus | undefined;
    limit: number;
    after?: BookPageCursor | undefined;
    /** Name contains (any case) or book_uuid starts with: a search box, not a pattern. */
    q?: string | undefined;
  },
): Promise<Array<BookRow & { cursor_at: string }>> {
  // The cursor keeps Postgres' microseconds: a JavaScript Date would round them and skip or repeat rows.
  const result = await pool.query<BookRow & { cursor_at: string }>(
    `select ${BOOK_COLUMNS}, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
     from books
     where tenant_id = $1::text
       and ($2::text is null or status = $2::text)
       and ($3::timestamptz is null or (created_at, book_uuid) < ($3::timestamptz, $4::uuid))
       and ($6::text is null or strpos(lower(name), lower($6::text)) > 0
            or starts_with(book_uuid::text, lower($6::text)))
     order by created_at desc, book_uuid desc
     limit $5::int`,
    [
      tenantId,
      options.status ?? null,
      options.after?.createdAt ?? null,
      options.after?.bookUuid ?? null,
      options.limit,
      options.q ?? null,
    ],
  );
  return result.rows;
}
