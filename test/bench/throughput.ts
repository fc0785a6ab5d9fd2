// `npm run bench`, first part: bookbell against the floor and against plain signed POSTs, measured in the same run on
// the same dev server, then bookbell's latency when idle.
//   floor    — a bare workflow per book; each signal becomes one activity doing one HTTP POST to the receiver.
//   bookbell — books created, documents uploaded (before the burst), then a burst of verification results and seals
//              over HTTP; every event recorded in PostgreSQL and delivered, signed, in causal order, to a receiver
//              that checks each signature.
//   plain    — the same burst's events built, signed and POSTed by bookbell's own code in a process of its own, to the
//              same receiver: no Temporal, no database (test/bench/plain-posts.ts).
//   idle     — one result at a time to one book, nothing else running: 202 → arrival (test/bench/idle-latency.ts).
// The floor and bookbell get the same burst (BENCH_BOOKS × 20 events, BENCH_CONCURRENCY clients; test/bench/burst.ts),
// the same server flags and the same worker options (WORKER_TUNING), each worker in a process of its own, warmed by
// bursts like the measured one (test/bench/warm-up.ts; BENCH_WARMUP=0 measures cold processes). Latency runs
// from the answer to the request that caused the event (the signal's return; the API's 202) to the event's arrival at
// the receiver. Each phase has a deadline (TIMEOUT_MS) and checks what it waited for: every acknowledged signal / 202
// arrived at the receiver, was recorded in PostgreSQL and DELIVERED (bookbell), and no history holds a
// WorkflowTaskFailed / WorkflowTaskTimedOut. The run ends with issue "Performance"'s figures beside their targets.
import { randomUUID } from 'node:crypto';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { inParallel } from '../support/books.js';
import { Acknowledged, arrivalKey } from './acknowledged.js';
import { startBookbellRoles } from './bookbell-roles.js';
import {
  BURST_BOOKS as BOOKS,
  BURST_CONCURRENCY as CONCURRENCY,
  burstKey,
  DOCS_PER_BOOK,
  EVENTS_PER_BOOK,
  sendBurst,
  uploadBurstBooks,
} from './burst.js';
import { stageDeadlineMs, timedStage, within, type Deadline } from './deadline.js';
import { startFloorBooks } from './floor/books.js';
import { floorEventSignal } from './floor/workflows.js';
import { benchNumber, percentile, printTable, QUICK, startBenchInfra, type BenchInfra } from './harness.js';
import { idleLatencyPhase, type IdleLatency } from './idle-latency.js';
import { plainPostsPhase, type PlainPosts } from './plain-posts.js';
import { measureCpu, sampleMemory, spawnRole } from './processes.js';
import { BenchReceiver } from './receiver.js';
import { expectRecordedAndSigned } from './recorded.js';
import { printStages } from './stages.js';
import { startPerfRecord } from './perf-record.js';
import { printTargets, type Target } from './targets.js';
import { printStatementStats, resetStatementStats, statementStatsWanted } from './statement-stats.js';
import { checkTaskFailures, taskFailureVerdict, tenantWorkflows, type TaskFailures } from './task-failures.js';
import { runMain } from './shutdown.js';
import { FLOOR_WARM_UP_MARK, untilIdle, WARM_UP, WARM_UP_BURSTS, warmUpBookbell, warmUpFloor } from './warm-up.js';

// Three by default: one round's ratio moves by up to ±25 % with what else the machine does (docs/benchmarks.md).
const ROUNDS = benchNumber('BENCH_ROUNDS', 3, 1);
/** Each phase's deadline (every round): 10 min, from its start to its last event (BENCH_DEADLINE_SECONDS). */
const TIMEOUT_MS = stageDeadlineMs(10 * 60_000);

interface PhaseResult {
  delivered: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  duplicates: number;
  workerMiB: number;
  serverMiB: number;
  apiMiB?: number;
  /** How long the API took to answer a verification result (its own log), p50 and p99 in ms. */
  apiMs?: { p50: number; p99: number };
  /** Seconds from the burst's first request to the answer to its last one. */
  sendSeconds: number;
  /** History events of every workflow the phase ran (books and deliveries; the floor's workflows), per event. */
  historyPerEvent: number;
  /** CPU seconds spent during the burst by the worker, the dev server, the API and this process (load + receiver). */
  cpu: { worker: number; server: number; api: number; postgres: number; driver: number };
  /** WorkflowTaskFailed / WorkflowTaskTimedOut in every history the phase ran. */
  taskFailures: TaskFailures;
}

/** Rate and latency over a burst: `sentAt` maps each expected arrival's key to when its request was answered. */
function summarize(
  receiver: BenchReceiver,
  keyOf: (arrival: BenchReceiver['arrivals'][number]) => string,
  sentAt: Map<string, number>,
  startedAt: number,
): Omit<PhaseResult, 'workerMiB' | 'serverMiB' | 'cpu' | 'sendSeconds' | 'historyPerEvent' | 'taskFailures'> {
  const firstArrival = new Map<string, number>();
  for (const arrival of receiver.arrivals) {
    const key = keyOf(arrival);
    if (!firstArrival.has(key)) firstArrival.set(key, arrival.at);
  }
  const latencies = [...firstArrival].map(([key, at]) => at - (sentAt.get(key) ?? Number.NaN));
  const lastArrival = Math.max(...firstArrival.values());
  const seconds = (lastArrival - startedAt) / 1000;
  return {
    delivered: firstArrival.size,
    seconds,
    perSecond: firstArrival.size / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    duplicates: receiver.arrivals.length - new Set(receiver.arrivals.map((a) => a.endpointId)).size,
  };
}

async function runFloor(infra: BenchInfra, round: number): Promise<PhaseResult> {
  return timedStage(`round ${round}: floor`, TIMEOUT_MS, (deadline) => floorPhase(infra, round, deadline));
}

async function floorPhase(infra: BenchInfra, round: number, deadline: Deadline): Promise<PhaseResult> {
  const stage = `round ${round}: floor`;
  const receiver = new BenchReceiver();
  await receiver.listen();
  const taskQueue = `floor-${round}-${randomUUID().slice(0, 8)}`;
  const worker = spawnRole('test/bench/floor/worker.ts', infra.roleEnv(taskQueue));
  try {
    await worker.waitFor(/"msg":"worker running"/);
    if (WARM_UP) await warmUpFloor(infra, taskQueue, receiver, deadline);
    const { handles, signals } = await startFloorBooks(infra.floorClient, taskQueue, receiver.url);
    const sentAt = new Map<string, number>();
    const workerMemory = sampleMemory(() => worker.pid);
    const serverMemory = sampleMemory(infra.temporalPid);
    const cpu = measureCpu({ worker: worker.pid, server: infra.temporalPid() });
    const stopPerf = await startPerfRecord(stage.replace(/\W+/g, '-'));
    const startedAt = performance.now();
    await inParallel(signals, CONCURRENCY, async ({ handle, id }) => {
      await handle.signal(floorEventSignal, id);
      sentAt.set(id, performance.now());
    });
    const sendSeconds = (performance.now() - startedAt) / 1000;
    // Every signal sent is acknowledged: each id must arrive.
    const ids = new Set(signals.map(({ id }) => id));
    await receiver.untilAll(ids, (a) => a.endpointId, deadline.left(), `${stage}: every floor event`);
    const cpuUsed = cpu();
    await stopPerf();
    const result = summarize(receiver, (a) => a.endpointId, sentAt, startedAt);
    console.log(`[${stage}] acknowledged ${ids.size} signals; ${result.delivered}/${ids.size} arrived`);
    await within(
      `${stage}: every floor workflow finishing`,
      deadline.left(),
      Promise.all(handles.map((h) => h.result())),
    );
    if (process.env.BENCH_STAGES === '1') await printStages(infra.client, taskQueue);
    const taskFailures = await checkTaskFailures(infra.client, stage, (id) => id.startsWith(`${taskQueue}-`), {
      expectedIds: handles.map((handle) => handle.workflowId),
    });
    return {
      ...result,
      taskFailures,
      sendSeconds,
      historyPerEvent: await historyPerEvent(infra, taskQueue, signals.length, (id) => id.includes(FLOOR_WARM_UP_MARK)),
      workerMiB: workerMemory.stop(),
      serverMiB: serverMemory.stop(),
      cpu: cpuUsed,
    };
  } finally {
    await worker.stop();
    await receiver.close();
  }
}

/** Creating the books and uploading their documents before the burst: its time, and its history per burst event. */
type BookbellResult = PhaseResult & { uploadSeconds: number; historyBeforeBurstPerEvent: number };

async function runBookbell(infra: BenchInfra, round: number): Promise<BookbellResult> {
  return timedStage(`round ${round}: bookbell`, TIMEOUT_MS, (deadline) => bookbellPhase(infra, round, deadline));
}

async function bookbellPhase(infra: BenchInfra, round: number, deadline: Deadline): Promise<BookbellResult> {
  const stage = `round ${round}: bookbell`;
  const roles = await startBookbellRoles(infra, `bench-${round}`);
  const { tenantId, taskQueue, worker, api, call, receiver } = roles;
  const acknowledged = new Acknowledged(tenantId);
  try {
    const warmUpTenant = WARM_UP ? await warmUpBookbell(infra, roles, deadline) : undefined;
    const uploadStarted = performance.now();
    const books = await uploadBurstBooks(call, acknowledged);
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    // The burst starts on an idle system, so the histories split into what creating the books cost and what the burst
    // did: uploads wake no book, so what is left is the books' first workflow tasks, done once the histories stand still.
    const bookIds = books.map(({ bookUuid }) => bookWorkflowId(tenantId, bookUuid));
    const historyBeforeBurst = await untilIdle(infra, `${stage}: before the burst`, bookIds, deadline);

    const workerMemory = sampleMemory(() => worker.pid);
    const serverMemory = sampleMemory(infra.temporalPid);
    const apiMemory = sampleMemory(() => api.pid);
    const cpu = measureCpu({
      worker: worker.pid,
      server: infra.temporalPid(),
      api: api.pid,
      postgresPort: infra.postgresPort,
    });
    if (statementStatsWanted) await resetStatementStats(infra.pool);
    const stopPerf = await startPerfRecord(stage.replace(/\W+/g, '-'));
    const { startedAt, sendSeconds, answeredAt } = await sendBurst(call, books, acknowledged);
    const expected = BOOKS * EVENTS_PER_BOOK;
    // Every event the 202s promise must arrive (each once at least), be recorded in PostgreSQL and DELIVERED.
    const expectedEvents = acknowledged.expectedEvents();
    if (expectedEvents.size !== expected) throw new Error(`${stage}: ${expectedEvents.size} events acknowledged`);
    await receiver.untilAll(expectedEvents, arrivalKey, deadline.left(), `${stage}: every bookbell event`);
    const cpuUsed = cpu();
    await stopPerf();
    if (statementStatsWanted) await printStatementStats(infra.pool, stage);
    const result = summarize(receiver, burstKey, answeredAt, startedAt);
    // Every book and delivery workflow has finished once ANALYTICS_COMPLETED arrived; their histories are complete.
    await expectRecordedAndSigned(infra.pool, receiver, acknowledged, {
      stage,
      deadline,
      endpointId: roles.endpointId,
    });
    if (process.env.BENCH_STAGES === '1') await printStages(infra.client, taskQueue);
    const taskFailures = await checkTaskFailures(infra.client, stage, tenantWorkflows(tenantId), {
      expectedIds: books.map(({ bookUuid }) => bookWorkflowId(tenantId, bookUuid)),
    });
    return {
      ...result,
      taskFailures,
      sendSeconds,
      historyPerEvent: await historyPerEvent(infra, taskQueue, expected, (id) =>
        warmUpTenant ? id.includes(`:${warmUpTenant}:`) : false,
      ),
      historyBeforeBurstPerEvent: historyBeforeBurst / expected,
      uploadSeconds,
      workerMiB: workerMemory.stop(),
      serverMiB: serverMemory.stop(),
      apiMiB: apiMemory.stop(),
      apiMs: answerTimes(api.log),
      cpu: cpuUsed,
    };
  } finally {
    await roles.stop();
  }
}

/**
 * History events of every workflow that ran on `taskQueue` but the warm-up's, per delivered event. BENCH_BREAKDOWN=1
 * also prints them by workflow and event type (it reads every history: slow).
 */
async function historyPerEvent(
  infra: BenchInfra,
  taskQueue: string,
  events: number,
  warmUp: (workflowId: string) => boolean,
): Promise<number> {
  let total = 0;
  const byType = new Map<string, number>();
  for await (const run of infra.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    if (warmUp(run.workflowId)) continue;
    total += run.historyLength;
    if (process.env.BENCH_BREAKDOWN !== '1') continue;
    const history = await infra.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const key = `${run.type} ${String(event.eventType)}`;
      byType.set(key, (byType.get(key) ?? 0) + 1);
    }
  }
  for (const [key, count] of [...byType].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${(count / events).toFixed(2).padStart(6)} per event  ${key}`);
  }
  return total / events;
}

/** The API's own time to answer verification results, from its request log lines. */
function answerTimes(log: string[]): { p50: number; p99: number } {
  const ms = log
    .filter((line) => line.includes('"msg":"request"') && line.includes('/verification'))
    .map((line) => (JSON.parse(line) as { ms: number }).ms);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

const median = (values: number[]) => percentile(values, 50);
const fixed = (value: number, digits = 0) => value.toFixed(digits);
const ms = { direction: 'at most', unit: ' ms', digits: 0 } as const;

async function main() {
  const infra = await startBenchInfra();
  const floors: PhaseResult[] = [];
  const bookbells: BookbellResult[] = [];
  const plains: PlainPosts[] = [];
  const idles: IdleLatency[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      floors.push(await runFloor(infra, round));
      console.log(`round ${round}: floor ${fixed(floors.at(-1)!.perSecond)} events/s`);
      bookbells.push(await runBookbell(infra, round));
      console.log(`round ${round}: bookbell ${fixed(bookbells.at(-1)!.perSecond)} events/s`);
      const plainStage = `round ${round}: plain signed POSTs`;
      plains.push(await timedStage(plainStage, TIMEOUT_MS, (deadline) => plainPostsPhase(plainStage, deadline)));
      console.log(`round ${round}: plain signed POSTs ${fixed(plains.at(-1)!.perSecond)} events/s`);
      const idleStage = `round ${round}: idle latency`;
      idles.push(await timedStage(idleStage, TIMEOUT_MS, (deadline) => idleLatencyPhase(infra, idleStage, deadline)));
      console.log(
        `round ${round}: idle latency p50 ${fixed(idles.at(-1)!.p50)} ms, p99 ${fixed(idles.at(-1)!.p99)} ms`,
      );
    }
  } finally {
    await infra.stop();
  }
  taskFailureVerdict([
    ...floors.map((r, n) => ({ stage: `round ${n + 1}: floor`, failures: r.taskFailures })),
    ...bookbells.map((r, n) => ({ stage: `round ${n + 1}: bookbell`, failures: r.taskFailures })),
    ...idles.map((r, n) => ({ stage: `round ${n + 1}: idle latency`, failures: r.taskFailures })),
  ]);

  const floor = (pick: (r: PhaseResult) => number) => median(floors.map(pick));
  const bell = (pick: (r: PhaseResult) => number) => median(bookbells.map(pick));
  const row = (name: string, pick: (r: PhaseResult) => number, digits = 0) => [
    name,
    fixed(floor(pick), digits),
    fixed(bell(pick), digits),
    floor(pick) > 0 ? `${(bell(pick) / floor(pick)).toFixed(2)}×` : '—',
  ];
  const warmth = WARM_UP
    ? `warm processes (${WARM_UP_BURSTS} warm-up burst${WARM_UP_BURSTS === 1 ? '' : 's'} each)`
    : 'cold processes (BENCH_WARMUP=0)';
  console.log(
    `\nA burst of ${BOOKS * EVENTS_PER_BOOK} events over ${BOOKS} books (${DOCS_PER_BOOK} verification results and a ` +
      `seal each), ${CONCURRENCY} concurrent clients, ${warmth}, ` +
      `${ROUNDS === 1 ? 'one round' : `median of ${ROUNDS} rounds`}` +
      `${QUICK ? ' (BENCH_QUICK: a smoke run, not a measurement)' : ''}:\n`,
  );
  printTable(
    ['', 'floor', 'bookbell', 'bookbell/floor'],
    [
      row('delivered events/s', (r) => r.perSecond),
      row('burst → last arrival (s)', (r) => r.seconds, 1),
      row('burst → last request answered (s)', (r) => r.sendSeconds, 1),
      row('Temporal history events per event', (r) => r.historyPerEvent, 1),
      row('p50 latency, answer → arrival (ms)', (r) => r.p50),
      row('p99 latency, answer → arrival (ms)', (r) => r.p99),
      row('worker RSS, peak in burst (MiB)', (r) => r.workerMiB),
      row('Temporal server RSS, peak in burst (MiB)', (r) => r.serverMiB),
      row('CPU s in burst: worker', (r) => r.cpu.worker, 1),
      row('CPU s in burst: Temporal server', (r) => r.cpu.server, 1),
      row('CPU s in burst: API', (r) => r.cpu.api, 1),
      row('CPU s in burst: PostgreSQL', (r) => r.cpu.postgres, 1),
      row('CPU s in burst: load + receiver', (r) => r.cpu.driver, 1),
      row('CPU s in burst: all of these', (r) => Object.values(r.cpu).reduce((a, b) => a + b, 0), 1),
      row('repeated deliveries', (r) => r.duplicates),
      row('workflow tasks failed or timed out (target 0)', (r) => r.taskFailures.failed + r.taskFailures.timedOut),
    ],
  );
  console.log(
    `\nbookbell API: RSS peak ${fixed(median(bookbells.map((r) => r.apiMiB ?? 0)))} MiB, answered a result in ` +
      `${fixed(median(bookbells.map((r) => r.apiMs?.p50 ?? 0)))} ms (p50), ` +
      `${fixed(median(bookbells.map((r) => r.apiMs?.p99 ?? 0)))} ms (p99); uploading the ` +
      `${BOOKS * DOCS_PER_BOOK} documents before the burst took ${fixed(median(bookbells.map((r) => r.uploadSeconds)), 1)} s; ` +
      `of its history events per event, ${fixed(median(bookbells.map((r) => r.historyBeforeBurstPerEvent)), 2)} were ` +
      `written before the burst (creating the books: uploads wake none).`,
  );
  const plain = (pick: (r: PlainPosts) => number) => median(plains.map(pick));
  console.log(
    `plain signed POSTs (the same ${BOOKS * EVENTS_PER_BOOK} events built, signed and POSTed by bookbell's code, ` +
      `${CONCURRENCY} at a time; no Temporal, no database): ${fixed(plain((r) => r.perSecond))} events/s, last ` +
      `arrival after ${fixed(
        plain((r) => r.seconds),
        1,
      )} s; CPU s: sender ${fixed(
        plain((r) => r.cpu.sender),
        1,
      )}, ` +
      `receiver ${fixed(
        plain((r) => r.cpu.driver),
        1,
      )}.`,
  );
  const idle = (pick: (r: IdleLatency) => number) => median(idles.map(pick));
  console.log(
    `idle latency (one book, ${idles[0]?.samples ?? 0} results one at a time): 202 → arrival p50 ` +
      `${fixed(idle((r) => r.p50))} ms, p99 ${fixed(idle((r) => r.p99))} ms, max ${fixed(idle((r) => r.max))} ms; ` +
      `the first result (opening the connections) ${fixed(idle((r) => r.firstMs))} ms.`,
  );

  const ratio = (figure: string, value: number, bound: number, direction: Target['direction']): Target => ({
    figure,
    value,
    bound,
    direction,
    unit: '×',
  });
  printTargets(
    `issue "Performance" (#17), measured in this run${QUICK ? ' (BENCH_QUICK: a smoke run, not a measurement)' : ''}:`,
    [
      ratio('burst events/s, bookbell / floor', bell((r) => r.perSecond) / floor((r) => r.perSecond), 2.0, 'at least'),
      ratio(
        'burst events/s, bookbell / plain signed POSTs',
        bell((r) => r.perSecond) / plain((r) => r.perSecond),
        0.5,
        'at least',
      ),
      ratio('p50 answer → arrival, bookbell / floor', bell((r) => r.p50) / floor((r) => r.p50), 1.0, 'at most'),
      ratio('p99 answer → arrival, bookbell / floor', bell((r) => r.p99) / floor((r) => r.p99), 0.75, 'at most'),
      {
        figure: 'Temporal history events per delivered event (bookbell)',
        value: bell((r) => r.historyPerEvent),
        bound: 2.5,
        direction: 'at most',
        unit: '',
      },
      { figure: 'idle latency p50, 202 → arrival', value: idle((r) => r.p50), bound: 50, ...ms },
      { figure: 'idle latency p99, 202 → arrival', value: idle((r) => r.p99), bound: 150, ...ms },
    ],
  );
}

runMain(main);
