// `npm run bench`: how a book's cost grows with its size. Drives books of 1,000, 5,000 and 10,000 documents through
// the real API, worker, Temporal dev server (file-backed SQLite, as `npm start` runs it) and PostgreSQL, and prints
// each size's per-document cost as a ratio to the 1,000-document book measured in the same run (flat ≈ 1.0),
// plus each run's history length (Temporal's limit is 51,200 events) and the worker's and dev server's memory.
// Each book is a stage with a deadline: every acknowledged upload and result must be recorded in PostgreSQL (its
// document VERIFICATION_COMPLETE, its event) with BOOK_COMPLETE and ANALYTICS_COMPLETED, and its workflow histories
// must hold no WorkflowTaskFailed / WorkflowTaskTimedOut; otherwise the run fails naming what is missing.
// Then it reads each finished book a page at a time (the view, the first and last page of its documents, its events)
// and prints each read's median as a ratio to a 10-document book's (test/bench/page-reads.ts; flat ≈ 1.0); and last,
// while the throughput part's burst runs, the largest book's pages against the 10-document book's, p99 against p99
// (test/bench/page-reads-under-burst.ts).
import { randomUUID } from 'node:crypto';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { Acknowledged } from './acknowledged.js';
import { stageDeadlineMs, timedStage, within } from './deadline.js';
import { benchNumber, expectStatus, fillBook, printTable, QUICK, startBenchSystem } from './harness.js';
import { memoryOf, sampleMemory } from './processes.js';
import { compareRecorded, describeMissing, summarizeRecorded, waitUntilRecorded } from './recorded.js';
import { finishedBook, measurePageReads, printPageReads, type PageReads } from './page-reads.js';
import {
  measurePageReadsUnderBurst,
  printPageReadsUnderBurst,
  type PageReadsUnderBurst,
} from './page-reads-under-burst.js';
import { bookWorkflows, checkTaskFailures, taskFailureVerdict, type TaskFailures } from './task-failures.js';
import { runMain } from './shutdown.js';

const SIZES = (process.env.BENCH_SIZES ?? (QUICK ? '100,300' : '1000,5000,10000')).split(',').map(Number);
const CONCURRENCY = benchNumber('BENCH_CONCURRENCY', 32, 8);
/**
 * Each book's deadline, from its create to every acknowledged result recorded: 60 s plus 50 ms per document (10,000
 * documents: 560 s, ten times the measured 57 s). BENCH_DEADLINE_SECONDS replaces it.
 */
const DEADLINE_MS = 60_000;
/** The book whose page reads the others' are compared with. */
const PAGE_READ_BASELINE = 10;
const DEADLINE_PER_DOC_MS = 50;
/** The burst under which pages are read: 10 min, as the throughput part's phases. */
const UNDER_BURST_DEADLINE_MS = 10 * 60_000;

async function main() {
  const system = await startBenchSystem();
  const { call, client, stop, worker, temporalPid, pool, tenantId } = system;
  const rows: Array<{
    size: number;
    bookUuid: string;
    seconds: number;
    toComplete: number;
    msPerDoc: number;
    runs: number[];
  }> = [];
  const pageReads: PageReads[] = [];
  let underBurst: PageReadsUnderBurst | undefined;
  const checked: Array<{ stage: string; failures: TaskFailures }> = [];
  const serverMemory = sampleMemory(temporalPid, 1000);
  let workerPeakMiB = 0;
  try {
    for (const size of SIZES) {
      const stage = `book of ${size}`;
      const acknowledged = new Acknowledged(tenantId);
      const explain = async () => {
        const comparison = await compareRecorded(pool, acknowledged);
        return `${summarizeRecorded(comparison)}\n${describeMissing(comparison)}`;
      };
      const row = await timedStage(
        stage,
        stageDeadlineMs(DEADLINE_MS + DEADLINE_PER_DOC_MS * size),
        async (deadline) => {
          const started = Date.now();
          const book = await expectStatus(call('POST', '/v1/books', { name: `Bench ${size}` }), 201);
          const bookUuid = book.book_uuid as string;
          acknowledged.book(bookUuid);
          const docs = Array.from({ length: size }, () => randomUUID());
          await fillBook(call, bookUuid, docs, CONCURRENCY, acknowledged);
          await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
          acknowledged.seal(bookUuid);
          const handle = client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid));
          await within(`${stage}: the book's workflow finishing`, deadline.left(), handle.result());
          const seconds = (Date.now() - started) / 1000;
          // The workflow has finished: everything it acknowledged must be in PostgreSQL now (a moment's grace).
          await waitUntilRecorded(pool, acknowledged, { stage, timeoutMs: Math.min(deadline.left(), 15_000) });
          const { rows: recorded } = await pool.query<{ at: Date }>(
            `select recorded_at as at from events where tenant_id = $1 and book_uuid = $2 and event_type = 'BOOK_COMPLETE'`,
            [tenantId, bookUuid],
          );
          const toComplete = ((recorded[0]?.at.getTime() ?? Number.NaN) - started) / 1000;
          const runs: number[] = [];
          for await (const run of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
            runs.push(run.historyLength);
          }
          const failures = await checkTaskFailures(client, stage, bookWorkflows(tenantId, [bookUuid]), {
            expectedIds: [handle.workflowId],
          });
          checked.push({ stage, failures });
          console.log(
            `book of ${size}: BOOK_COMPLETE after ${toComplete.toFixed(1)} s, finished after ${seconds.toFixed(1)} s`,
          );
          return { size, bookUuid, seconds, toComplete, msPerDoc: (seconds * 1000) / size, runs: runs.reverse() };
        },
        explain,
      );
      rows.push(row);
    }
    workerPeakMiB = memoryOf(worker.pid)?.peakMiB ?? Number.NaN;
    const small = await finishedBook(call, client, tenantId, PAGE_READ_BASELINE);
    pageReads.push(await measurePageReads(call, small, PAGE_READ_BASELINE));
    for (const row of rows) pageReads.push(await measurePageReads(call, row.bookUuid, row.size));
    const largest = rows.reduce((a, b) => (b.size > a.size ? b : a));
    const stage = `page reads under the burst`;
    underBurst = await timedStage(stage, stageDeadlineMs(UNDER_BURST_DEADLINE_MS), (deadline) =>
      measurePageReadsUnderBurst(
        system,
        { bookUuid: largest.bookUuid, size: largest.size },
        { bookUuid: small, size: PAGE_READ_BASELINE },
        stage,
        deadline,
      ),
    );
    checked.push({ stage, failures: underBurst.taskFailures });
  } finally {
    await stop();
  }
  const serverPeakMiB = serverMemory.stop();

  const baseline = rows[0] as (typeof rows)[number];
  console.log(`\nper-document cost, ratio to the ${baseline.size}-document book of this run (flat ≈ 1.00):\n`);
  printTable(
    ['documents', 'to BOOK_COMPLETE (s)', 'to ANALYTICS_COMPLETED (s)', 'ms/doc', 'ratio', 'runs', 'longest history'],
    rows.map((row) => [
      `${row.size}`,
      row.toComplete.toFixed(1),
      row.seconds.toFixed(1),
      row.msPerDoc.toFixed(2),
      (row.msPerDoc / baseline.msPerDoc).toFixed(2),
      String(row.runs.length),
      String(Math.max(...row.runs)),
    ]),
  );
  for (const row of rows) console.log(`history per run, ${row.size} documents: ${row.runs.join(', ')} (limit 51,200)`);
  console.log(
    `worker RSS peak ${workerPeakMiB.toFixed(0)} MiB; Temporal dev server RSS peak ${serverPeakMiB.toFixed(0)} MiB`,
  );
  printPageReads(pageReads);
  if (underBurst) printPageReadsUnderBurst(underBurst);
  taskFailureVerdict(checked);
}

runMain(main);
