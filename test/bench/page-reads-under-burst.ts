// Page reads under the burst (the end of test/bench/book-size.ts, where the big books already exist): while the
// throughput part's burst runs on the same system — BENCH_BOOKS books' verification results and seals, every event
// recorded and delivered to a receiver — a reader GETs, over and over, the last documents page and the first events
// page of the run's largest book and of the 10-document book, each page of both books at once. The reads run from the
// burst's first request to its last event's arrival; each page's p99 for the big book over the small one's should be
// flat (issue "Performance" asks ≤ 1.5×).
import { Acknowledged, arrivalKey } from './acknowledged.js';
import { subscribedReceiver } from './bookbell-roles.js';
import { sendBurst, uploadBurstBooks } from './burst.js';
import type { Deadline } from './deadline.js';
import { expectStatus, percentile, printTable, QUICK, type BenchSystem, type Call } from './harness.js';
import { lastPage, PAGE } from './page-reads.js';
import { expectRecordedAndSigned } from './recorded.js';
import { printTargets } from './targets.js';
import { bookWorkflows, checkTaskFailures, type TaskFailures } from './task-failures.js';

export interface ReadBook {
  bookUuid: string;
  size: number;
}

interface PageTimes {
  page: string;
  paths: { big: string; small: string };
  /** Each read's ms. */
  big: number[];
  small: number[];
}

export interface PageReadsUnderBurst {
  bigSize: number;
  smallSize: number;
  events: number;
  /** From the burst's first request to its last arrival. */
  seconds: number;
  pages: PageTimes[];
  taskFailures: TaskFailures;
}

const pagesOf = async (call: Call, bookUuid: string) => ({
  lastDocuments: await lastPage(call, `/v1/books/${bookUuid}/documents`),
  firstEvents: `/v1/books/${bookUuid}/events?limit=${PAGE}`,
});

async function timed(call: Call, path: string, times: number[]): Promise<void> {
  const started = performance.now();
  await expectStatus(call('GET', path), 200);
  times.push(performance.now() - started);
}

/**
 * Reads each page of `pages`, one after another, until `reading()` turns false: the big book's and the small one's
 * together, so a moment of the burst (a busy API, a pause) lands on both and their tails compare like with like.
 */
async function readInPairs(call: Call, pages: PageTimes[], reading: () => boolean): Promise<void> {
  while (reading()) {
    for (const page of pages) {
      await Promise.all([timed(call, page.paths.big, page.big), timed(call, page.paths.small, page.small)]);
    }
  }
}

export async function measurePageReadsUnderBurst(
  system: BenchSystem,
  big: ReadBook,
  small: ReadBook,
  stage: string,
  deadline: Deadline,
): Promise<PageReadsUnderBurst> {
  const { call, tenantId } = system;
  const { receiver, endpointId } = await subscribedReceiver(call);
  try {
    const acknowledged = new Acknowledged(tenantId);
    const books = await uploadBurstBooks(call, acknowledged);
    const [bigPages, smallPages] = [await pagesOf(call, big.bookUuid), await pagesOf(call, small.bookUuid)];
    const pages: PageTimes[] = [
      { page: 'last documents page', paths: { big: bigPages.lastDocuments, small: smallPages.lastDocuments } },
      { page: 'first events page', paths: { big: bigPages.firstEvents, small: smallPages.firstEvents } },
    ].map((page) => ({ ...page, big: [], small: [] }));

    let reading = true;
    let readError: Error | undefined;
    const reader = readInPairs(call, pages, () => reading).catch((err: unknown) => {
      readError = err instanceof Error ? err : new Error(String(err));
    });
    let seconds: number;
    try {
      const { startedAt } = await sendBurst(call, books, acknowledged);
      await receiver.untilAll(acknowledged.expectedEvents(), arrivalKey, deadline.left(), `${stage}: every event`);
      seconds = (performance.now() - startedAt) / 1000;
    } finally {
      reading = false;
      await reader;
    }
    if (readError) throw readError;
    await expectRecordedAndSigned(system.pool, receiver, acknowledged, { stage, deadline, endpointId });
    const taskFailures = await checkTaskFailures(
      system.client,
      stage,
      bookWorkflows(
        tenantId,
        books.map((book) => book.bookUuid),
      ),
    );
    return {
      bigSize: big.size,
      smallSize: small.size,
      events: acknowledged.expectedEvents().size,
      seconds,
      pages,
      taskFailures,
    };
  } finally {
    await receiver.close();
  }
}

const p99 = (times: number[]) => percentile(times, 99);

export function printPageReadsUnderBurst(result: PageReadsUnderBurst): void {
  const { bigSize, smallSize } = result;
  console.log(
    `\npage reads under the burst (${result.events} events delivered in ${result.seconds.toFixed(1)} s), ms, ` +
      `${PAGE} items a page, each page of both books read at once:\n`,
  );
  const cell = (times: number[]) =>
    `${percentile(times, 50).toFixed(1)} / ${p99(times).toFixed(1)} / ${Math.max(...times).toFixed(1)}`;
  printTable(
    ['page', 'reads', `${bigSize} documents: p50 / p99 / max`, `${smallSize} documents: p50 / p99 / max`],
    result.pages.map((page) => [page.page, String(page.big.length), cell(page.big), cell(page.small)]),
  );
  printTargets(
    `issue "Performance" (#17), measured in this run${QUICK ? ' (BENCH_QUICK: a smoke run, not a measurement)' : ''}:`,
    result.pages.map((page) => ({
      figure: `${page.page} under the burst, p99: ${bigSize} / ${smallSize} documents`,
      value: p99(page.big) / p99(page.small),
      bound: 1.5,
      direction: 'at most',
      unit: '×',
    })),
  );
}
