import type { DocumentCounts } from '../contract/book.js';
import { bookPath, type EventPayload } from '../events/payloads.js';
import { clipText } from '../events/body-size.js';
import { analyticsBlocks, bookLink, counts, moreLine, type MailLinks } from '../delivery/email-content.js';
import { fitRows } from './fit-rows.js';
import { renderMail, type MailBlock, type RenderedMail } from '../delivery/mail-layout.js';

/** A document as the book's summary lists it. */
export interface SummaryDocument {
  doc_uuid: string;
  name: string | null;
  result: 'SUCCEEDED' | 'FAILED' | null;
  reason: string | null;
}

/** Documents listed at most, and the bytes their rows may take in each part: with the analytics, within 64 KiB. */
export const SUMMARY_LISTED_DOCUMENTS = 50;
export const SUMMARY_DOCUMENT_BYTES = 30 * 1024;
const NAME_CHARS = 120;
const REASON_CHARS = 300;

/**
 * The one mail a `book` endpoint gets per book, sent with the book's ANALYTICS_COMPLETED (`payload`): the counts,
 * the documents — failed ones first, each with its result and reason — then the analytics. `documents` are the first
 * ones in that order (the caller reads at most SUMMARY_LISTED_DOCUMENTS); the rows stop earlier when they would pass
 * SUMMARY_DOCUMENT_BYTES, and a last line says how many more there are and where they are all listed.
 */
export function renderBookSummary(
  payload: EventPayload,
  documents: SummaryDocument[],
  documentCounts: DocumentCounts,
  links: MailLinks = {},
): RenderedMail {
  const { total, verified, rejected } = documentCounts;
  const subject =
    total === 0
      ? `Book '${payload.book_name}' is complete: it was sealed with no documents`
      : `Book '${payload.book_name}' is complete: ${verified} verified, ${rejected} failed`;
  const rows = fitRows(
    documents.slice(0, SUMMARY_LISTED_DOCUMENTS).map((doc) => {
      const name = clipText(doc.name ?? doc.doc_uuid, NAME_CHARS);
      const result = doc.result ?? 'VERIFYING';
      const reason = doc.reason ? clipText(doc.reason, REASON_CHARS) : '';
      return { cells: [result, name, reason], line: `${result}  ${name}${reason ? ` — ${reason}` : ''}` };
    }),
    SUMMARY_DOCUMENT_BYTES,
  );
  const blocks: MailBlock[] = [
    { kind: 'paragraph', text: `${subject}. Its documents and analytics:` },
    {
      kind: 'facts',
      rows: [
        ['Book', `${payload.book_name} (${payload.book_uuid})`],
        ['Documents', counts(documentCounts)],
      ],
    },
  ];
  if (total > 0) {
    blocks.push({
      kind: 'table',
      title: rejected > 0 ? 'Documents (failed first)' : 'Documents',
      columns: ['Result', 'Document', 'Reason'],
      rows,
      more: moreLine(total - rows.length, `${bookPath(payload.book_uuid)}/documents`),
    });
  }
  // The analytics' own counts repeat the book line: drop it from their facts.
  const [facts, ...rest] = analyticsBlocks(payload);
  const analyticsFacts = facts?.kind === 'facts' ? facts.rows.filter(([label]) => label !== 'Book') : [];
  if (analyticsFacts.length > 0) blocks.push({ kind: 'facts', rows: analyticsFacts });
  blocks.push(...rest, ...bookLink(payload, links));
  return renderMail({
    subject,
    heading: 'A book is complete',
    blocks,
    footer: `Book ${payload.book_uuid}, analytics at ${payload.occurred_at} (event ${payload.event_id}).`,
  });
}
