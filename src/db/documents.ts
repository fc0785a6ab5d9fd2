import type { DocumentStatus } from '../contract/book.js';
import type { StatementFields } from '../contract/statement-fields.js';
import { inIndexOrder, prepared, type Pool, type PoolClient } from './pool.js';

export interface DocumentRow {
  doc_uuid: string;
  name: string | null;
  mime_type: string | null;
  size_bytes: string | null;
  status: DocumentStatus;
  result: 'SUCCEEDED' | 'FAILED' | null;
  reason: string | null;
  uploaded_at: Date | null;
  verified_at: Date | null;
}

export const DOCUMENT_COLUMNS =
  'doc_uuid, name, mime_type, size_bytes, status, result, reason, uploaded_at, verified_at';

/**
 * Stores an upload's details. A row made earlier by a verification result gets them filled in; a repeat of the same
 * upload changes nothing. Returns the stored name so a caller can detect a different repeat.
 */
export async function upsertUploadedDocument(
  pool: Pool,
  doc: { tenantId: string; bookUuid: string; docUuid: string; name: string; mimeType?: string; sizeBytes?: number },
): Promise<{ name: string }> {
  const result = await pool.query<{ name: string }>(
    `insert into documents (tenant_id, book_uuid, doc_uuid, name, mime_type, size_bytes, uploaded_at)
     values ($1::text, $2::uuid, $3::uuid, $4::text, $5::text, $6::bigint, now())
     on conflict (tenant_id, book_uuid, doc_uuid) do update
       set name = coalesce(documents.name, excluded.name),
           mime_type = coalesce(documents.mime_type, excluded.mime_type),
           size_bytes = coalesce(documents.size_bytes, excluded.size_bytes),
           uploaded_at = coalesce(documents.uploaded_at, excluded.uploaded_at)
     returning name`,
    [doc.tenantId, doc.bookUuid, doc.docUuid, doc.name, doc.mimeType ?? null, doc.sizeBytes ?? null],
  );
  return result.rows[0] as { name: string };
}

/** A document's first verification result, as the workflow decided it. */
export interface VerifiedDocument {
  docUuid: string;
  status: DocumentStatus;
  result: 'SUCCEEDED' | 'FAILED';
  reason: string | undefined;
  fields: StatementFields | undefined;
  verifiedAt: string;
}

/**
 * Records documents' first verification results (the workflow decided they are the first), in one statement.
 * Idempotent. Returns each document's name as uploaded (null: its upload is not stored), by doc_uuid.
 */
export async function recordVerifications(
  client: PoolClient,
  tenantId: string,
  bookUuid: string,
  docs: VerifiedDocument[],
): Promise<Map<string, string | null>> {
  // One row per document: a statement cannot update a row twice, and a batch may hold a result again (a book
  // records a result it decided but never saw recorded once more, under the same event id). The last one stands.
  docs = [...new Map(docs.map((doc) => [doc.docUuid.toLowerCase(), doc])).values()];
  if (docs.length === 0) return new Map();
  const result = await client.query<{ doc_uuid: string; name: string | null }>(
    prepared(`insert into documents (tenant_id, book_uuid, doc_uuid, status, result, reason, fields, verified_at)
     select $1::text, $2::uuid, d.doc_uuid, d.status, d.result, d.reason, d.fields, d.verified_at
     from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])
       as d(doc_uuid, status, result, reason, fields, verified_at)
     on conflict (tenant_id, book_uuid, doc_uuid) do update
       set status = excluded.status, result = excluded.result, reason = excluded.reason,
           fields = excluded.fields, verified_at = excluded.verified_at
     returning doc_uuid::text, name`),
    [
      tenantId,
      bookUuid,
      docs.map((doc) => doc.docUuid),
      docs.map((doc) => doc.status),
      docs.map((doc) => doc.result),
      docs.map((doc) => doc.reason ?? null),
      docs.map((doc) => (doc.fields ? JSON.stringify(doc.fields) : null)),
      docs.map((doc) => doc.verifiedAt),
    ],
  );
  return new Map(result.rows.map((row) => [row.doc_uuid, row.name]));
}

/**
 * At BOOK_COMPLETE every document the book holds is terminal: a row still VERIFYING that no upload made was added by a
 * result that reached the API as the book completed, which the book ignored. It is not one of the book's documents.
 */
export async function forgetUnheldDocuments(client: PoolClient, tenantId: string, bookUuid: string): Promise<void> {
  await client.query(
    `delete from documents
     where tenant_id = $1::text and book_uuid = $2::uuid and status = 'VERIFYING' and uploaded_at is null`,
    [tenantId, bookUuid],
  );
}

export async function listDocuments(
  pool: Pool | PoolClient,
  tenantId: string,
  bookUuid: string,
): Promise<DocumentRow[]> {
  const result = await pool.query<DocumentRow>(
    `select ${DOCUMENT_COLUMNS}
     from documents where tenant_id = $1::text and book_uuid = $2::uuid
     order by coalesce(uploaded_at, verified_at), doc_uuid`,
    [tenantId, bookUuid],
  );
  return result.rows;
}

/** A page of a book's documents in the order they were first stored; `afterSeq` is the last row's of the page before. */
export async function listDocumentPage(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
  page: { limit: number; afterSeq?: string | undefined },
): Promise<Array<DocumentRow & { cursor_seq: string }>> {
  // In the index's order whatever the statistics guess (see inIndexOrder).
  const result = await inIndexOrder(pool, (client) =>
    client.query<DocumentRow & { cursor_seq: string }>(
      `select ${DOCUMENT_COLUMNS}, seq::text as cursor_seq
       from documents
       where tenant_id = $1::text and book_uuid = $2::uuid and ($3::bigint is null or seq > $3::bigint)
       order by seq
       limit $4::int`,
      [tenantId, bookUuid, page.afterSeq ?? null, page.limit],
    ),
  );
  return result.rows;
}

/** The verified bank statements of a book, for analytics. */
export async function listVerifiedStatements(
  pool: Pool,
  tenantId: string,
  bookUuid: string,
): Promise<Array<{ doc_uuid: string; fields: StatementFields }>> {
  const result = await pool.query<{ doc_uuid: string; fields: StatementFields }>(
    `select doc_uuid, fields from documents
     where tenant_id = $1::text and book_uuid = $2::uuid and status = 'VERIFICATION_COMPLETE' and fields is not null`,
    [tenantId, bookUuid],
  );
  return result.rows;
}
