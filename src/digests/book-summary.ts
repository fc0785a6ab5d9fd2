import type { DocumentCounts } from '../contract/book.js';
import type { Pool } from '../db/pool.js';
import type { EventPayload } from '../events/payloads.js';
import type { MailLinks } from '../delivery/email-content.js';
import type { RenderedMail } from '../delivery/mail-layout.js';
import { renderBookSummary, SUMMARY_LISTED_DOCUMENTS, type SummaryDocument } from './book-summary-mail.js';

/**
 * The mail of a `book` endpoint for a book's ANALYTICS_COMPLETED (`payload`): its summary, read from PostgreSQL at
 * each attempt — the first documents (failed first, then in upload order) and the counts of all.
 */
export async function bookSummaryMail(pool: Pool, tenantId: string, payload: EventPayload, links: MailLinks) {
  const result = await pool.query<SummaryDocument & { total: string; verified: string; rejected: string }>(
    `select doc_uuid, name, result, reason,
            count(*) over () as total,
            count(*) filter (where status = 'VERIFICATION_COMPLETE') over () as verified,
            count(*) filter (where status = 'REJECTED') over () as rejected
     from documents where tenant_id = $1::text and book_uuid = $2::uuid
     order by status = 'REJECTED' desc, coalesce(uploaded_at, verified_at), doc_uuid
     limit $3::int`,
    [tenantId, payload.book_uuid, SUMMARY_LISTED_DOCUMENTS],
  );
  const first = result.rows[0];
  const fromRows: DocumentCounts = {
    total: Number(first?.total ?? 0),
    verified: Number(first?.verified ?? 0),
    rejected: Number(first?.rejected ?? 0),
    verifying: 0,
  };
  const documents = result.rows.map(({ doc_uuid, name, result: verdict, reason }) => ({
    doc_uuid,
    name,
    result: verdict,
    reason,
  }));
  // The counts the book recorded at the event; the rows' own when an old body lacks them.
  return renderBookSummary(payload, documents, payload.document_counts ?? fromRows, links) satisfies RenderedMail;
}
