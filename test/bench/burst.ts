// The burst of "bookbell against its floor", also sent while test/bench/page-reads-under-burst.ts reads: BENCH_BOOKS
// books of 18 documents uploaded before it, then every document's verification result and every book's seal over
// HTTP, BENCH_CONCURRENCY requests at a time. Each 202 goes into the stage's Acknowledged ledger.
import { randomUUID } from 'node:crypto';
import { inParallel } from '../support/books.js';
import type { Acknowledged } from './acknowledged.js';
import { benchNumber, expectStatus, type Call } from './harness.js';
import type { Arrival } from './receiver.js';

export const BURST_BOOKS = benchNumber('BENCH_BOOKS', 50, 5);
export const BURST_CONCURRENCY = benchNumber('BENCH_CONCURRENCY', 32, 8);
export const EVENTS_PER_BOOK = 20; // 18 VERIFICATION_COMPLETE, BOOK_COMPLETE, ANALYTICS_COMPLETED
export const DOCS_PER_BOOK = EVENTS_PER_BOOK - 2;

export interface BurstBook {
  bookUuid: string;
  docs: string[];
}

/** Before the burst: the books and their documents, as a CRM uploads them during the day. */
export async function uploadBurstBooks(call: Call, acknowledged: Acknowledged): Promise<BurstBook[]> {
  const books = await Promise.all(
    Array.from({ length: BURST_BOOKS }, async (_, n) => {
      const book = await expectStatus(call('POST', '/v1/books', { name: `Burst ${n}` }), 201);
      acknowledged.book(book.book_uuid as string);
      return { bookUuid: book.book_uuid as string, docs: Array.from({ length: DOCS_PER_BOOK }, () => randomUUID()) };
    }),
  );
  const uploads = books.flatMap(({ bookUuid, docs }) => docs.map((docUuid) => ({ bookUuid, docUuid })));
  await inParallel(uploads, BURST_CONCURRENCY, async ({ bookUuid, docUuid }) => {
    await expectStatus(call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'stmt.pdf' }), 202);
    acknowledged.upload(bookUuid, docUuid);
  });
  return books;
}

/** Which request an arrival answers: its document for VERIFICATION_COMPLETE, the book's seal for the other two. */
export const burstKey = (arrival: Arrival): string =>
  arrival.eventName === 'VERIFICATION_COMPLETE' ? (arrival.docUuid ?? '') : `${arrival.eventName} ${arrival.bookUuid}`;

export interface Burst {
  /** performance.now() at the first request. */
  startedAt: number;
  /** Seconds from the first request to the answer to the last one. */
  sendSeconds: number;
  /** When the request behind each expected arrival was answered, by `burstKey`. */
  answeredAt: Map<string, number>;
}

/** The burst: every document's verification result, then each book's seal. */
export async function sendBurst(call: Call, books: BurstBook[], acknowledged: Acknowledged): Promise<Burst> {
  const requests = books.flatMap(({ bookUuid, docs }) => [
    ...docs.map((docUuid) => ({ bookUuid, docUuid })),
    { bookUuid, docUuid: undefined },
  ]);
  const answeredAt = new Map<string, number>();
  const startedAt = performance.now();
  await inParallel(requests, BURST_CONCURRENCY, async ({ bookUuid, docUuid }) => {
    if (docUuid) {
      const path = `/v1/books/${bookUuid}/documents/${docUuid}/verification`;
      await expectStatus(call('POST', path, { result: 'SUCCEEDED' }), 202);
      answeredAt.set(docUuid, performance.now());
      acknowledged.result(bookUuid, docUuid, 'SUCCEEDED');
    } else {
      await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
      acknowledged.seal(bookUuid);
      answeredAt.set(`BOOK_COMPLETE ${bookUuid}`, performance.now());
      answeredAt.set(`ANALYTICS_COMPLETED ${bookUuid}`, performance.now());
    }
  });
  return { startedAt, sendSeconds: (performance.now() - startedAt) / 1000, answeredAt };
}
