import { describe, expect, it } from 'vitest';
import { EVENT_BODY_MAX_BYTES } from '../../src/contract/event-payload.js';
import type { RenderedMail } from '../../src/delivery/mail-layout.js';
import {
  renderBookSummary,
  SUMMARY_LISTED_DOCUMENTS,
  type SummaryDocument,
} from '../../src/digests/book-summary-mail.js';
import { renderDigest } from '../../src/digests/digest-mail.js';
import { eventsToDeliver } from '../../src/digests/mail-mode.js';
import { buildEventPayload } from '../../src/events/payloads.js';
import { syntheticAnalytics, syntheticBook, syntheticEvent } from '../support/synthetic-book.js';

/** A book's ANALYTICS_COMPLETED body and its documents as the summary reads them (failed first). */
function finishedBook(size: number, name?: string, docName = (i: number) => `statement-${i}.pdf`) {
  const book = syntheticBook(size, name);
  const payload = buildEventPayload(book.bookUuid, syntheticEvent(book, 'ANALYTICS_COMPLETED'), {
    bookName: book.bookName,
    analytics: syntheticAnalytics(book),
  });
  const documents: SummaryDocument[] = book.docs
    .map((doc, i) => ({
      doc_uuid: doc.uuid,
      name: docName(i),
      result: doc.status === 'REJECTED' ? ('FAILED' as const) : ('SUCCEEDED' as const),
      reason: doc.status === 'REJECTED' ? 'The image is unreadable' : null,
    }))
    .sort((a, b) => Number(b.result === 'FAILED') - Number(a.result === 'FAILED'));
  return { book, payload, documents };
}

function expectBounded(mail: RenderedMail) {
  expect(Buffer.byteLength(mail.text)).toBeLessThanOrEqual(EVENT_BODY_MAX_BYTES);
  expect(Buffer.byteLength(mail.html)).toBeLessThanOrEqual(EVENT_BODY_MAX_BYTES);
  expect(mail.text).toMatch(/-- bookbell$/); // bounded by its content, not cut
}

describe('the book summary mail (mail_mode book)', () => {
  it('lists every document of a small book with its result and reason, then the analytics', () => {
    const { book, payload, documents } = finishedBook(50, 'Q3 statements');
    const mail = renderBookSummary(payload, documents, book.counts, { publicUrl: 'https://bookbell.example.com' });
    expect(mail.subject).toBe("Book 'Q3 statements' is complete: 49 verified, 1 failed");
    const lines = mail.text.split('\n');
    expect(lines.filter((line) => /^ {2}(SUCCEEDED|FAILED) {2}statement-/.test(line))).toHaveLength(50);
    // Failed first, with the reason the pipeline gave.
    expect(lines).toContain('Documents (failed first):');
    expect(lines[lines.indexOf('Documents (failed first):') + 1]).toBe(
      '  FAILED  statement-49.pdf — The image is unreadable',
    );
    expect(mail.text).toContain('Statements: 49');
    expect(mail.text).toContain('Accounts:');
    expect(mail.text).toContain(
      `Open the book in the console: https://bookbell.example.com/console/books/${book.bookUuid}`,
    );
    expect(mail.html).toContain(
      '<td style="padding:4px 12px 4px 0;border-bottom:1px solid #eaeef2;vertical-align:top">The image is unreadable</td>',
    );
    expectBounded(mail);
  });

  it('lists the first documents of a 10,000-document book and says how many more and where', () => {
    const { book, payload, documents } = finishedBook(10_000);
    const mail = renderBookSummary(payload, documents.slice(0, SUMMARY_LISTED_DOCUMENTS), book.counts);
    const listed = mail.text.split('\n').filter((line) => /^ {2}(SUCCEEDED|FAILED) {2}/.test(line)).length;
    expect(listed).toBe(SUMMARY_LISTED_DOCUMENTS);
    expect(mail.text).toContain(
      `… and ${10_000 - SUMMARY_LISTED_DOCUMENTS} more: GET /v1/books/${book.bookUuid}/documents`,
    );
    // The 200 failures come first: the listed ones are all failures.
    expect(mail.text.split('\n').filter((line) => line.startsWith('  FAILED  '))).toHaveLength(
      SUMMARY_LISTED_DOCUMENTS,
    );
    expectBounded(mail);
  });

  it('keeps long multi-byte names and reasons within bounds, never cutting a character in two', () => {
    const longName = (i: number) => `${'数据'.repeat(120)}😀${i}`;
    const { book, payload, documents } = finishedBook(SUMMARY_LISTED_DOCUMENTS, '📚'.repeat(120), longName);
    const heavy = documents.map((doc) => ({ ...doc, reason: '理由😀'.repeat(300) }));
    const mail = renderBookSummary(payload, heavy, book.counts);
    expectBounded(mail);
    const listed = mail.text.split('\n').filter((line) => /^ {2}(SUCCEEDED|FAILED) {2}/.test(line)).length;
    expect(listed).toBeGreaterThan(5);
    expect(listed).toBeLessThan(SUMMARY_LISTED_DOCUMENTS);
    expect(mail.text).toContain(`… and ${SUMMARY_LISTED_DOCUMENTS - listed} more`);
    expect(mail.text + mail.html).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('says so for a book sealed with no documents', () => {
    const { book, payload } = finishedBook(0, 'Empty');
    const mail = renderBookSummary(payload, [], book.counts);
    expect(mail.subject).toBe("Book 'Empty' is complete: it was sealed with no documents");
    expect(mail.text).toContain('Documents: 0 (0 verified, 0 failed, 0 verifying)');
    expect(mail.text).not.toContain('Documents in the book');
    expectBounded(mail);
  });
});

describe('the daily digest mail', () => {
  const book = syntheticBook(3, 'Loans <Q3>');
  const verification = (i: number, failed: boolean) =>
    buildEventPayload(
      book.bookUuid,
      syntheticEvent(book, 'VERIFICATION_COMPLETE', {
        eventId: `evt_vc_${i}`,
        docUuid: book.docs[i % 3]?.uuid,
        result: failed ? 'FAILED' : 'SUCCEEDED',
        reason: failed ? 'Blurred' : undefined,
      }),
      { bookName: book.bookName, docName: `doc ${i}.pdf` },
    );

  it('counts the events by kind and lists them in order', () => {
    const events = [verification(0, false), verification(1, true)];
    const mail = renderDigest({
      id: 'dig_x_20240610',
      day: '2024-06-10',
      timeZone: 'Europe/Paris',
      counts: { VERIFICATION_COMPLETE: 2 },
      events,
    });
    expect(mail.subject).toBe('bookbell daily digest for 2024-06-10: 2 events');
    expect(mail.text).toContain('Documents verified or failed: 2');
    expect(mail.text).toContain("2026-12-01 12:00  Document 'doc 1.pdf' failed verification: Blurred");
    expect(mail.text).not.toContain('… and');
    expectBounded(mail);
  });

  it('lists the first events of a busy day, within bounds, and says how many more', () => {
    const events = Array.from({ length: 100 }, (_, i) => verification(i, i % 2 === 0));
    const mail = renderDigest({
      id: 'dig_x_20240610',
      day: '2024-06-10',
      timeZone: 'UTC',
      counts: { VERIFICATION_COMPLETE: 5_000, BOOK_COMPLETE: 10 },
      events,
    });
    expect(mail.subject).toBe('bookbell daily digest for 2024-06-10: 5010 events');
    expect(mail.text).toContain('… and 4910 more: GET /v1/events');
    expectBounded(mail);
  });
});

describe('which events an endpoint gets one by one', () => {
  const events = [
    { type: 'VERIFICATION_COMPLETE' as const },
    { type: 'BOOK_COMPLETE' as const },
    { type: 'ANALYTICS_COMPLETED' as const },
  ];
  it('each: those subscribed; book: the last, if any book event is; daily: none', () => {
    expect(eventsToDeliver({ events: ['BOOK_COMPLETE'], mail_mode: 'each' }, events)).toEqual([events[1]]);
    expect(eventsToDeliver({ events: ['VERIFICATION_COMPLETE'], mail_mode: 'book' }, events)).toEqual([events[2]]);
    expect(eventsToDeliver({ events: ['endpoint.disabled'], mail_mode: 'book' }, events)).toEqual([]);
    expect(eventsToDeliver({ events: ['VERIFICATION_COMPLETE'], mail_mode: 'daily' }, events)).toEqual([]);
  });
});
