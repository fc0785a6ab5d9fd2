// `npm run bench`, open books: what one worker holds when BENCH_OPEN_BOOKS (10,000) books are open at once — created
// over HTTP, each a running workflow waiting for documents. Prints the worker's RSS (idle after the creates, and at
// its peak), its sticky cache (workflows kept in memory; the rest are replayed from history when they next wake),
// the dev server's RSS, and that every book still takes documents: one is uploaded to each afterwards, and every
// acknowledged upload must be recorded in `documents` before the deadline. An upload wakes no book (it learns how
// many documents it holds with its next result or seal): a sample of books must show unchanged histories after the
// uploads, then, sealed, count their upload (woken from history when not cached: the CPU of a wake is printed). The
// books' histories must hold no WorkflowTaskFailed / WorkflowTaskTimedOut.
import { randomUUID } from 'node:crypto';
import { inParallel } from '../support/books.js';
import { freePort } from '../support/free-port.js';
import { Acknowledged } from './acknowledged.js';
import { pollUntil, stageDeadlineMs, timedStage } from './deadline.js';
import { benchNumber, expectStatus, printTable, startBenchSystem } from './harness.js';
import { measureCpu, memoryOf } from './processes.js';
import { compareRecorded, describeMissing, waitUntilRecorded } from './recorded.js';
import { bookWorkflows, checkTaskFailures, taskFailureVerdict } from './task-failures.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { runMain } from './shutdown.js';
import { printTargets } from './targets.js';

const BOOKS = benchNumber('BENCH_OPEN_BOOKS', 10_000, 300);
const CONCURRENCY = benchNumber('BENCH_CONCURRENCY', 32, 8);
/**
 * Deadlines (BENCH_DEADLINE_SECONDS replaces both): creating the books, 60 s plus 50 ms per book (10,000: 560 s;
 * measured 64 s); one upload to each, recorded, 60 s plus 100 ms per book (10,000: 1,060 s; measured 261 s).
 */
const CREATE_DEADLINE_MS = stageDeadlineMs(60_000 + 50 * BOOKS);
const TOUCH_DEADLINE_MS = stageDeadlineMs(60_000 + 100 * BOOKS);
/** Books whose histories are watched through the uploads, then sealed: each must count its upload. */
const SAMPLE = Math.min(BOOKS, benchNumber('BENCH_OPEN_BOOKS_SAMPLE', 200, 50));

/** A gauge of the worker's Temporal SDK metrics (served on METRICS_PORT), e.g. its sticky cache size. */
async function sdkGauge(metricsUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : undefined;
}

async function main() {
  const metricsPort = await freePort();
  const system = await startBenchSystem({ METRICS_PORT: String(metricsPort) });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const acknowledged = new Acknowledged(system.tenantId);
  const explain = async () => describeMissing(await compareRecorded(system.pool, acknowledged));
  try {
    const baseline = system.workerMemory();
    const pids = () => ({
      worker: system.worker.pid,
      server: system.temporalPid(),
      api: system.api.pid,
      postgresPort: system.postgresPort,
    });
    const createCpu = measureCpu(pids());
    const started = performance.now();
    const books: string[] = [];
    await timedStage('open books: create', CREATE_DEADLINE_MS, () =>
      inParallel(
        Array.from({ length: BOOKS }, (_, n) => n),
        CONCURRENCY,
        async (n) => {
          const book = await expectStatus(system.call('POST', '/v1/books', { name: `Open ${n}` }), 201);
          books.push(book.book_uuid as string);
          acknowledged.book(book.book_uuid as string);
          if (books.length % 1000 === 0) console.log(`${books.length} books open`);
        },
      ),
    );
    const createSeconds = (performance.now() - started) / 1000;
    const createUsed = createCpu();
    // Let the last starts settle (their first activity records the status) before reading memory.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idle = system.workerMemory();
    const cached = await sdkGauge(metricsUrl, 'temporal_sticky_cache_size');
    const serverMiB = memoryOf(system.temporalPid() ?? 0)?.rssMiB ?? Number.NaN;

    // The sample's history lengths before the uploads: an upload that woke its book would add to them.
    const sample = books.slice(0, SAMPLE);
    const historyLengths = async () => {
      const lengths = new Map<string, number>();
      await inParallel(sample, CONCURRENCY, async (bookUuid) => {
        const handle = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
        lengths.set(bookUuid, (await handle.describe()).historyLength);
      });
      return lengths;
    };
    const lengthsBefore = await historyLengths();

    const touchCpu = measureCpu(pids());
    const touched = performance.now();
    const stage = 'open books: one upload to each';
    await timedStage(
      stage,
      TOUCH_DEADLINE_MS,
      async (deadline) => {
        await inParallel(books, CONCURRENCY, async (bookUuid) => {
          const docUuid = randomUUID();
          await expectStatus(
            system.call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'late.pdf' }),
            202,
          );
          acknowledged.upload(bookUuid, docUuid);
        });
        // Every acknowledged upload must be a row in `documents` (the API stores it before its 202; the books stay
        // open: no events expected).
        await waitUntilRecorded(system.pool, acknowledged, { stage, timeoutMs: deadline.left() });
      },
      explain,
    );
    const touchSeconds = (performance.now() - touched) / 1000;
    const touchUsed = touchCpu();
    // Past the 202s, nothing of an upload is left to do: a woken book would show a longer history.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const lengthsAfter = await historyLengths();
    const woken = sample.filter((bookUuid) => lengthsAfter.get(bookUuid) !== lengthsBefore.get(bookUuid)).length;

    // The sample sealed: each book wakes (replayed from history unless cached) and counts its upload, which it never
    // heard of, as verifying: status SEALED, DocumentCount 1.
    const sealCpu = measureCpu(pids());
    const sealStage = `open books: ${SAMPLE} of them sealed`;
    await timedStage(
      sealStage,
      stageDeadlineMs(60_000 + 100 * SAMPLE),
      async (deadline) => {
        await inParallel(sample, CONCURRENCY, async (bookUuid) => {
          await expectStatus(system.call('POST', `/v1/books/${bookUuid}/seal`), 202);
          acknowledged.seal(bookUuid);
        });
        const query =
          `WorkflowType = 'bookWorkflow' AND TenantId = '${system.tenantId}' AND BookStatus = 'SEALED'` +
          ` AND DocumentCount = 1`;
        await pollUntil(
          'every sealed book counts its upload',
          deadline.left(),
          async () => (await system.client.workflow.count(query)).count,
          (count) => count >= SAMPLE,
          (count) => `${SAMPLE - count} of ${SAMPLE} sealed books do not count their upload`,
          1000,
        );
      },
      explain,
    );
    const sealUsed = sealCpu();
    const after = system.workerMemory();
    const { rows } = await system.pool.query<{ n: number }>(
      `select count(*)::int as n from documents where tenant_id = $1`,
      [system.tenantId],
    );
    const failures = await checkTaskFailures(system.client, 'open books', bookWorkflows(system.tenantId, books));

    console.log(`\n${BOOKS} open books held by one worker:\n`);
    const perBook = (cpu: ReturnType<ReturnType<typeof measureCpu>>, books = BOOKS) =>
      [cpu.worker, cpu.server, cpu.api, cpu.postgres, cpu.driver]
        .map((s) => ((s * 1000) / books).toFixed(1))
        .join(' / ');
    const mib = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(0));
    printTable(
      ['', 'value'],
      [
        ['books created (s), over HTTP', createSeconds.toFixed(1)],
        ['worker RSS before the books (MiB)', mib(baseline?.rssMiB)],
        ['worker RSS with every book open, idle (MiB)', mib(idle?.rssMiB)],
        ['workflows in the sticky cache', String(cached ?? '?')],
        ['worker RSS after one upload to each book (MiB)', mib(after?.rssMiB)],
        ['worker RSS peak (MiB)', mib(after?.peakMiB)],
        ['Temporal server RSS (MiB)', mib(serverMiB)],
        ['one upload to each book, all acknowledged and stored (s)', touchSeconds.toFixed(1)],
        ['uploads per second', (BOOKS / touchSeconds).toFixed(0)],
        [`books of ${SAMPLE} watched woken by their upload (history grew)`, String(woken)],
        ['documents recorded (one per book expected)', String(rows[0]?.n ?? 0)],
        ['CPU ms per book created: worker / server / API / PostgreSQL / load', perBook(createUsed)],
        ['CPU ms per upload: worker / server / API / PostgreSQL / load', perBook(touchUsed)],
        [
          `CPU ms per book woken by its seal (${SAMPLE}): worker / server / API / PostgreSQL / load`,
          perBook(sealUsed, SAMPLE),
        ],
        ['workflow task failures / timeouts (target 0)', `${failures.failed} / ${failures.timedOut}`],
      ],
    );
    printTargets(`Issue "Performance", ${BOOKS} open books on one worker`, [
      {
        // An upload is done once stored: it wakes no book (the figure was books woken per second while it did).
        figure: 'one upload to each book, uploads done per second',
        value: BOOKS / touchSeconds,
        bound: 150,
        direction: 'at least',
        unit: ' /s',
        digits: 0,
      },
      {
        figure: `books woken by their upload, of ${SAMPLE} watched`,
        value: woken,
        bound: 0,
        direction: 'at most',
        unit: '',
        digits: 0,
      },
      {
        figure: 'worker RSS peak',
        value: after?.peakMiB ?? Number.NaN,
        bound: 1024,
        direction: 'at most',
        unit: ' MiB',
        digits: 0,
      },
    ]);
    taskFailureVerdict([{ stage: 'open books', failures }]);
  } finally {
    await system.stop();
  }
}

runMain(main);
