import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BookAnalytics } from '../../src/analytics/bank-statements.js';
import {
  EVENT_BODY_MAX_BYTES,
  EventPayloadSchema,
  MAX_LISTED_DOCUMENTS,
  MAX_LISTED_ITEMS,
  type EventPayload,
} from '../../src/contract/event-payload.js';
import { renderEmail } from '../../src/delivery/email-content.js';
import { clipBytes, clipText, jsonBytes } from '../../src/events/body-size.js';
import { buildEventPayload } from '../../src/events/payloads.js';
import { printBodySizes } from '../bench/body-sizes.js';
import {
  syntheticAnalytics,
  syntheticBook,
  syntheticEvent,
  uuidFor,
  type SyntheticBook,
} from '../support/synthetic-book.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string inside a value. */
const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : typeof value === 'object' && value !== null
      ? Object.values(value).flatMap(strings)
      : [];

/** The three bodies of a finished book, each checked against the contract. */
function bodies(book: SyntheticBook, analytics: BookAnalytics, docName = 'statement.pdf', reason = 'Image unreadable') {
  const context = { bookName: book.bookName };
  const vc = buildEventPayload(
    book.bookUuid,
    syntheticEvent(book, 'VERIFICATION_COMPLETE', { docUuid: book.docs[0]?.uuid, result: 'FAILED', reason }),
    { ...context, docName },
  );
  const bc = buildEventPayload(book.bookUuid, syntheticEvent(book, 'BOOK_COMPLETE'), {
    ...context,
    uploadedDocs: book.docs,
  });
  const ac = buildEventPayload(book.bookUuid, syntheticEvent(book, 'ANALYTICS_COMPLETED'), { ...context, analytics });
  for (const payload of [vc, bc, ac]) EventPayloadSchema.parse(payload);
  return { vc, bc, ac };
}

/** Every body and every e-mail made from it is within the bound, and holds text PostgreSQL's jsonb can store. */
function expectBounded(...payloads: EventPayload[]) {
  for (const payload of payloads) {
    const json = JSON.stringify(payload);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(EVENT_BODY_MAX_BYTES);
    expect(strings(payload).filter((text) => LONE_SURROGATE.test(text))).toEqual([]); // no half character from a cut
    const mail = renderEmail(payload, { publicUrl: 'https://bookbell.example.com' });
    expect(Buffer.byteLength(mail.text)).toBeLessThanOrEqual(EVENT_BODY_MAX_BYTES);
    // The HTML part is never cut (a cut would break its markup): what it holds is bounded instead.
    expect(Buffer.byteLength(mail.html)).toBeLessThanOrEqual(EVENT_BODY_MAX_BYTES);
    expect(mail.html).not.toMatch(
      /<(?!\/?(html|head|meta|title|body|div|h1|h2|p|a|table|thead|tbody|tr|th|td)\b|!doctype)/i,
    );
    expect(mail.subject.length).toBeLessThanOrEqual(200);
  }
}

describe('event bodies of a small book', () => {
  const book = syntheticBook(10, 'Q3 statements');
  const analytics = syntheticAnalytics(book);
  const { vc, bc, ac } = bodies(book, analytics);

  it('BOOK_COMPLETE is the Ocrolus-compatible body as before, plus documents_truncated and documents_url', () => {
    expect(bc).toEqual({
      event_id: `evt_bc_${book.bookUuid.replace(/-/g, '')}`,
      event_name: 'BOOK_COMPLETE',
      occurred_at: '2026-12-01T12:00:00.000Z',
      notification_type: 'STATUS',
      book_uuid: book.bookUuid,
      book_name: 'Q3 statements',
      status: 'BOOK_COMPLETE',
      severity: 'LOW',
      notification_reason: "Book 'Q3 statements' is complete: 10 verified, 0 failed",
      uploaded_docs: book.docs,
      document_counts: { total: 10, verifying: 0, verified: 10, rejected: 0 },
      documents_truncated: false,
      documents_url: `/v1/books/${book.bookUuid}/documents`,
    });
  });

  it('ANALYTICS_COMPLETED carries the whole analytics, and VERIFICATION_COMPLETE is unchanged', () => {
    expect(ac.analytics).toEqual(analytics);
    expect(ac).toMatchObject({ analytics_truncated: false, analytics_url: `/v1/books/${book.bookUuid}` });
    expect(vc).toMatchObject({
      status: 'REJECTED',
      notification_reason: "Document 'statement.pdf' failed verification: Image unreadable",
      doc_name: 'statement.pdf',
      reason: 'Image unreadable',
    });
    expect(Object.keys(vc)).not.toContain('documents_truncated');
    expectBounded(vc, bc, ac);
  });
});

describe('event bodies of a 10,000-document book', () => {
  const book = syntheticBook(10_000);
  const analytics = syntheticAnalytics(book);
  const { vc, bc, ac } = bodies(book, analytics);

  it('stay within the bound, however long the book', () => {
    expectBounded(vc, bc, ac);
    expect(jsonBytes({ ...bc, uploaded_docs: book.docs })).toBeGreaterThan(10 * EVENT_BODY_MAX_BYTES); // the old shape
  });

  it('BOOK_COMPLETE lists the first documents, keeps the counts and says where the rest are', () => {
    expect(bc.uploaded_docs).toEqual(book.docs.slice(0, MAX_LISTED_DOCUMENTS));
    expect(bc).toMatchObject({
      document_counts: { total: 10_000, verified: 9_800, rejected: 200, verifying: 0 },
      notification_reason: `Book '${book.bookName}' is complete: 9800 verified, 200 failed`,
      severity: 'MODERATE',
      documents_truncated: true,
      documents_url: `/v1/books/${book.bookUuid}/documents`,
    });
    const mail = renderEmail(bc).text;
    expect(mail).toContain(`… and 9950 more: GET /v1/books/${book.bookUuid}`);
  });

  it('ANALYTICS_COMPLETED keeps the book-wide counts and lists the first accounts, shortened', () => {
    const listed = ac.analytics as BookAnalytics;
    expect(listed).toMatchObject({
      statement_count: analytics.statement_count,
      account_count: analytics.account_count,
      continuity_break_count: analytics.continuity_break_count,
      gap_count: analytics.gap_count,
    });
    expect(ac).toMatchObject({ analytics_truncated: true, analytics_url: `/v1/books/${book.bookUuid}` });
    expect(listed.accounts.length).toBeGreaterThan(0);
    expect(listed.accounts.length).toBeLessThan(analytics.accounts.length);
    expect(listed.accounts.map((a) => a.account_id)).toEqual(
      analytics.accounts.slice(0, listed.accounts.length).map((a) => a.account_id),
    );
    expect(renderEmail(ac).text).toContain(`more: GET /v1/books/${book.bookUuid}`);
  });
});

describe('event bodies with pathological inputs', () => {
  it('clip names and reasons far past what the API takes, and keep every list within the bound', () => {
    // Control characters cost six bytes each in JSON; astral characters four; quotes two.
    const book = syntheticBook(10_000, '\u0001"😀'.repeat(100_000));
    const analytics = syntheticAnalytics(book);
    const { vc, bc, ac } = bodies(book, analytics, '\u001f😀'.repeat(50_000), `"\\\u0002😀`.repeat(250_000));
    expectBounded(vc, bc, ac);
    expect(vc.reason?.length).toBeLessThanOrEqual(1000);
    expect(bc.book_name.length).toBeLessThanOrEqual(255);
    expect(bc.uploaded_docs?.length).toBeGreaterThan(0);
    expect(bc.documents_truncated).toBe(true);
  });

  it('bound analytics of one account with 10,000 broken statements, or 10,000 accounts, or huge account ids', () => {
    const oneAccount: SyntheticBook = syntheticBook(10_000);
    oneAccount.statements = oneAccount.statements.map((s, i) => ({
      ...s,
      fields: { ...s.fields, account_id: 'A'.repeat(10_000), starting_balance: i, ending_balance: i - 1 },
    }));
    const manyAccounts: SyntheticBook = syntheticBook(10_000);
    manyAccounts.statements = manyAccounts.statements.map((s, i) => ({
      ...s,
      fields: { ...s.fields, account_id: `${'\u0001'.repeat(64)}${i}` },
    }));
    for (const book of [oneAccount, manyAccounts]) {
      const analytics = syntheticAnalytics(book);
      const { ac } = bodies(book, analytics);
      expectBounded(ac);
      expect(ac.analytics_truncated).toBe(true);
      expect(ac.analytics?.accounts.length).toBeGreaterThan(0);
      for (const account of ac.analytics?.accounts ?? []) {
        expect(account.account_id.length).toBeLessThanOrEqual(64);
        for (const list of [account.doc_uuids, account.months, account.balance_continuity.breaks]) {
          expect(list.length).toBeLessThanOrEqual(MAX_LISTED_ITEMS);
        }
      }
    }
  });

  it('any name and reason, any number of documents: always within the bound', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.integer({ min: 0, max: 2000 }),
        (name, reason, size) => {
          const book = { ...syntheticBook(size), bookName: name };
          const { vc, bc } = bodies(book, syntheticAnalytics(syntheticBook(0)), name, reason);
          expectBounded(vc, bc);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('cutting text', () => {
  it('never splits a surrogate pair and marks the cut', () => {
    expect(clipText('ab😀cd', 4)).toBe('ab…');
    expect(clipText('short', 10)).toBe('short');
    const clipped = clipBytes('é'.repeat(100), 11);
    expect(clipped).toBe(`${'é'.repeat(4)}…`);
    expect(Buffer.byteLength(clipBytes('😀'.repeat(100), 9))).toBeLessThanOrEqual(9);
  });
});

describe('the body sizes the benchmark prints', () => {
  it('measures small books without servers, and a book that fits is not cut', () => {
    const [small, large] = printBodySizes([10, 600]);
    expect(small).toMatchObject({ documents: 10, listedDocuments: 10, listedAccounts: 1, accounts: 1 });
    expect(small?.bookComplete).toBe(small?.bookCompleteWhole);
    expect(large).toMatchObject({ documents: 600, listedDocuments: MAX_LISTED_DOCUMENTS });
    expect(large?.bookComplete).toBeLessThanOrEqual(EVENT_BODY_MAX_BYTES);
    expect(syntheticBook(600).bookUuid).toBe(uuidFor(1, 600)); // deterministic: the same book each run
  });
});
