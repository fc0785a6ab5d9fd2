// What a book takes in under its row's lock: uploads admitted up to its maximum, and the seal that closes it.
import type { DocumentStatus } from '../contract/book.js';
import { inTransaction, prepared, type Pool } from './pool.js';

/**
 * The book's row, locked for the rest of the statement's transaction, whether it is handing over to its next run, and
 * whether it has room for another document (`$3`: BOOK_MAX_DOCUMENTS). The lock orders this message against the next
 * run's clearing of the mark (which then reads the log), against a seal, and against other messages to the same book:
 * each sees the document count the one before it left, so a book never holds more documents than the maximum.
 */
export const LOCKED_BOOK = `book as (
    select seal_requested_at is null and status in ('CREATED', 'UPLOAD') as open,
           status in ('COMPLETE', 'ANALYTICS_COMPLETE') as complete,
           admitted_count < $3::int as has_room,
           admitted_count,
           coalesce(continuing_until > clock_timestamp(), false) as continuing,
           coalesce(reads_log_until > clock_timestamp(), false) as reading
    from books where tenant_id = $1::text and book_uuid = $2::uuid
    for no key update
  )`;

/** Counts the document the statement's `admitted` CTE stored, if it did. */
export const COUNT_ADMITTED = `counted as (
    update books set admitted_count = admitted_count + 1
    where tenant_id = $1::text and book_uuid = $2::uuid and exists (select 1 from admitted where admitted.inserted)
  )`;

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
      /** The stored name: a repeat under another name is the caller's 409. */
      name: string | null;
      status: DocumentStatus;
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
    name: string | null;
    status: DocumentStatus | null;
  }>(
    prepared(`with ${LOCKED_BOOK},
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
     select book.open, book.has_room,
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
     from book`),
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
  return { kind: 'stored', name: row.name, status: row.status };
}

/**
 * Marks that a seal was asked for (the first time counts) and answers whether the book is handing over to its next
 * run (see isContinuing) or its running recording reads the log (log-reads.ts) — either way no signal is needed — and
 * how many documents it holds, its last upload among them (no upload comes after a seal).
 * One statement: it locks the book's row, so the next run's clearing of the mark, which then reads the log, comes
 * either before it (mark seen clear) or after it (seal seen).
 */
export async function storeSealRequest(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  requestId?: string,
): Promise<{ continuing: boolean; reading: boolean; documents: number | undefined }> {
  const { rows } = await pool.query<{ continuing: boolean; reading: boolean; documents: number }>(
    prepared(`update books set seal_requested_at = coalesce(seal_requested_at, now()),
       seal_request_id = case when seal_requested_at is null then $3::text else seal_request_id end
     where tenant_id = $1::text and book_uuid = $2::uuid
     returning coalesce(continuing_until > now(), false) as continuing,
               coalesce(reads_log_until > clock_timestamp(), false) as reading, admitted_count as documents`),
    [tenantId, bookUuid, requestId ?? null],
  );
  const row = rows[0];
  return { continuing: row?.continuing ?? false, reading: row?.reading ?? false, documents: row?.documents };
}

/** A seal_after seal: logged, with the book's document count, or not yet, for an upload came within the quiet time. */
export type QuietSeal = { sealed: true; documents: number | undefined } | { sealed: false; quietLeftMs: number };

/**
 * Logs the seal of a book quiet for `quietMs` (seal_after), unless an upload came within that time: uploads wake no
 * book, so the log knows when the last one came. The book's row is locked first: an upload in flight holds it until
 * it commits, so the read that follows sees it, and an upload after the seal is refused (see storeUpload).
 */
export async function storeQuietSeal(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  quietMs: number,
): Promise<QuietSeal> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ requested: boolean; documents: number }>(
      `select seal_requested_at is not null as requested, admitted_count as documents
       from books where tenant_id = $1::text and book_uuid = $2::uuid
       for no key update`,
      [tenantId, bookUuid],
    );
    const book = rows[0];
    if (book && !book.requested) {
      const last = await client.query<{ quiet_left_ms: number | null }>(
        `select ceil(extract(epoch from max(uploaded_at) - clock_timestamp()) * 1000 + $3::float8)::float8 as quiet_left_ms
         from documents where tenant_id = $1::text and book_uuid = $2::uuid`,
        [tenantId, bookUuid, quietMs],
      );
      const quietLeftMs = last.rows[0]?.quiet_left_ms ?? 0;
      if (quietLeftMs > 0) return { sealed: false, quietLeftMs };
      await client.query(
        `update books set seal_requested_at = now() where tenant_id = $1::text and book_uuid = $2::uuid`,
        [tenantId, bookUuid],
      );
    }
    return { sealed: true, documents: book?.documents };
  });
}
