import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { expectStatus, fillBook, percentile, printTable, type Call } from './harness.js';

/**
 * What reading a book a page at a time costs as the book grows: the book view, the first and the last page of its
 * documents and the first page of its events, each the median of READS reads one after another. Flat is the goal:
 * every page is read on an index in its order, so a 10,000-document book's page costs what a 10-document book's does.
 */

const READS = 20;
/** The baseline book's size: every page compared holds as many items in the big book as in the small one. */
export const PAGE = 10;

export interface PageReads {
  size: number;
  view: number;
  firstDocuments: number;
  lastDocuments: number;
  events: number;
}

async function medianMs(call: Call, path: string): Promise<number> {
  await expectStatus(call('GET', path), 200);
  const times: number[] = [];
  for (let i = 0; i < READS; i++) {
    const started = performance.now();
    await expectStatus(call('GET', path), 200);
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

/** The path of a list's last page, found by walking it. */
export async function lastPage(call: Call, path: string): Promise<string> {
  let current = `${path}?limit=${PAGE}`;
  for (;;) {
    const page = await expectStatus(call('GET', current), 200);
    if (!page.next_cursor) return current;
    current = `${path}?limit=${PAGE}&cursor=${page.next_cursor as string}`;
  }
}

export async function measurePageReads(call: Call, bookUuid: string, size: number): Promise<PageReads> {
  const book = `/v1/books/${bookUuid}`;
  return {
    size,
    view: await medianMs(call, book),
    firstDocuments: await medianMs(call, `${book}/documents?limit=${PAGE}`),
    lastDocuments: await medianMs(call, await lastPage(call, `${book}/documents`)),
    events: await medianMs(call, `${book}/events?limit=${PAGE}`),
  };
}

/** A finished book of `size` verified documents: the baseline the big books' page reads are compared with. */
export async function finishedBook(call: Call, client: Client, tenantId: string, size: number): Promise<string> {
  const book = await expectStatus(call('POST', '/v1/books', { name: `Page reads ${size}` }), 201);
  const bookUuid = book.book_uuid as string;
  await fillBook(
    call,
    bookUuid,
    Array.from({ length: size }, () => randomUUID()),
    4,
  );
  await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
  await client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid)).result();
  return bookUuid;
}

export function printPageReads(rows: PageReads[]): void {
  const [baseline] = rows;
  if (!baseline) return;
  const cell = (ms: number, base: number) => `${ms.toFixed(1)} (${(ms / base).toFixed(2)})`;
  console.log(
    `\npage reads, median ms of ${READS} (ratio to the ${baseline.size}-document book; flat ≈ 1.00), ` +
      `${PAGE} items a page:\n`,
  );
  printTable(
    [
      'documents',
      'GET book (lists up to 100 of each)',
      'first documents page',
      'last documents page',
      'first events page',
    ],
    rows.map((row) => [
      String(row.size),
      cell(row.view, baseline.view),
      cell(row.firstDocuments, baseline.firstDocuments),
      cell(row.lastDocuments, baseline.lastDocuments),
      cell(row.events, baseline.events),
    ]),
  );
}
