// `npm run bench`, first step: the size of every body a book's events produce, for books of 10, 1,000 and 10,000
// documents (BENCH_BODY_SIZES for others). Pure computation with the real body builder over synthetic books (no
// servers): each body must stay within EVENT_BODY_MAX_BYTES however large the book; what the body would weigh with
// every document and the whole analytics is printed alongside, to show what the bound saves.
import { pathToFileURL } from 'node:url';
import { EVENT_BODY_MAX_BYTES } from '../../src/contract/event-payload.js';
import { renderEmail } from '../../src/delivery/email-content.js';
import { jsonBytes } from '../../src/events/body-size.js';
import { buildEventPayload } from '../../src/events/payloads.js';
import { printTable } from './harness.js';
import { syntheticAnalytics, syntheticBook, syntheticEvent } from '../support/synthetic-book.js';

export interface BodySizes {
  documents: number;
  verificationComplete: number;
  bookComplete: number;
  /** BOOK_COMPLETE if it listed every document (the shape before the bound). */
  bookCompleteWhole: number;
  listedDocuments: number;
  analyticsCompleted: number;
  /** ANALYTICS_COMPLETED if it carried the whole analytics. */
  analyticsCompletedWhole: number;
  listedAccounts: number;
  accounts: number;
  /** The largest e-mail text of the three events, in UTF-8 bytes. */
  largestEmail: number;
}

export function measureBodySizes(size: number): BodySizes {
  const book = syntheticBook(size);
  const analytics = syntheticAnalytics(book);
  const rejected = book.docs.find((doc) => doc.status === 'REJECTED') ?? book.docs[0];
  const vc = buildEventPayload(
    book.bookUuid,
    syntheticEvent(book, 'VERIFICATION_COMPLETE', {
      docUuid: rejected?.uuid ?? book.bookUuid,
      result: 'FAILED',
      reason: 'Image unreadable',
    }),
    { bookName: book.bookName, docName: 'statement-0049.pdf' },
  );
  const bc = buildEventPayload(book.bookUuid, syntheticEvent(book, 'BOOK_COMPLETE'), {
    bookName: book.bookName,
    uploadedDocs: book.docs,
  });
  const ac = buildEventPayload(book.bookUuid, syntheticEvent(book, 'ANALYTICS_COMPLETED'), {
    bookName: book.bookName,
    analytics,
  });
  return {
    documents: size,
    verificationComplete: jsonBytes(vc),
    bookComplete: jsonBytes(bc),
    bookCompleteWhole: jsonBytes({ ...bc, uploaded_docs: book.docs, documents_truncated: false }),
    listedDocuments: bc.uploaded_docs?.length ?? 0,
    analyticsCompleted: jsonBytes(ac),
    analyticsCompletedWhole: jsonBytes({ ...ac, analytics, analytics_truncated: false }),
    listedAccounts: ac.analytics?.accounts.length ?? 0,
    accounts: analytics.account_count,
    largestEmail: Math.max(...[vc, bc, ac].map((payload) => mailBytes(renderEmail(payload)))),
  };
}

/** Both parts of a mail: what a mailbox stores (before transfer encoding). */
const mailBytes = (mail: { text: string; html: string }) => Buffer.byteLength(mail.text) + Buffer.byteLength(mail.html);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Prints one row per book size; returns the rows, and fails the run if a body is over the bound. */
export function printBodySizes(sizes: number[]): BodySizes[] {
  const rows = sizes.map(measureBodySizes);
  console.log(`event body sizes (JSON, UTF-8; bound ${kb(EVENT_BODY_MAX_BYTES)}):\n`);
  printTable(
    [
      'documents',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      '(every document)',
      'listed docs',
      'ANALYTICS_COMPLETED',
      '(whole analytics)',
      'listed accounts',
      'largest e-mail',
    ],
    rows.map((r) => [
      String(r.documents),
      kb(r.verificationComplete),
      kb(r.bookComplete),
      kb(r.bookCompleteWhole),
      `${r.listedDocuments} of ${r.documents}`,
      kb(r.analyticsCompleted),
      kb(r.analyticsCompletedWhole),
      `${r.listedAccounts} of ${r.accounts}`,
      kb(r.largestEmail),
    ]),
  );
  const bounded = (r: BodySizes) =>
    [r.verificationComplete, r.bookComplete, r.analyticsCompleted, r.largestEmail].every(
      (bytes) => bytes <= EVENT_BODY_MAX_BYTES,
    );
  const over = rows.filter((r) => !bounded(r)).map((r) => r.documents);
  if (over.length) throw new Error(`bodies over ${EVENT_BODY_MAX_BYTES} bytes for books of ${over.join(', ')}`);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printBodySizes((process.env.BENCH_BODY_SIZES ?? '10,1000,10000').split(',').map(Number));
}
