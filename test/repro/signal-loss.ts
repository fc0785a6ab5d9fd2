/**
 * Repro: are acknowledged signals lost when the server force-closes a workflow task (FORCE_CLOSE_COMMAND) because
 * more than `history.maximumBufferedEventsBatch` (default 100) events were buffered while the task was open?
 *
 *   npx tsx test/repro/signal-loss.ts                     # all variants, defaults below
 *   npx tsx test/repro/signal-loss.ts --signals 4000 --variants baseline,no-cache
 *
 * Starts its own `temporal server start-dev` (the project's .temporal/bin/temporal, loopback, SQLite file in a temp
 * dir), runs the worker in a child process (test/repro/signal-loss-worker.ts, so it can be SIGKILLed), sends numbered signals from 32 concurrent senders,
 * then compares the acknowledged numbers with the workflow's final set and with the signal events in the histories of
 * every run of the chain. Independent of bookbell's code. Nothing here is imported by the project.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { temporal as protoTemporal } from '@temporalio/proto';
import type { SignalLossInput } from './signal-loss-workflow.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const TEMPORAL = process.env.TEMPORAL_CLI ?? join(root, '.temporal', 'bin', 'temporal');
const NAMESPACE = 'default';

// ---------------------------------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------------------------------
type Variant = 'baseline' | 'no-cache' | 'kill-worker' | 'no-worker-first' | 'raised-limit';
const ALL_VARIANTS: Variant[] = ['baseline', 'no-cache', 'kill-worker', 'no-worker-first', 'raised-limit'];

interface Options {
  signals: number;
  senders: number;
  /** Overall signals per second across all senders; 0 = as fast as the server acknowledges. */
  rate: number;
  /** If > 0: bursts of `burst` signals (as fast as possible), one burst every `pauseMs`; else continuous. */
  burst: number;
  pauseMs: number;
  maxSignalsPerRun: number;
  batchSize: number;
  laMinMs: number;
  laMaxMs: number;
  variants: Variant[];
  finishTimeoutMs: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
  };
  return {
    signals: Number(get('signals', '5000')),
    senders: Number(get('senders', '32')),
    rate: Number(get('rate', '0')),
    burst: Number(get('burst', '0')),
    pauseMs: Number(get('pause', '1500')),
    maxSignalsPerRun: Number(get('per-run', '2000')),
    batchSize: Number(get('batch', '50')),
    laMinMs: Number(get('la-min', '100')),
    laMaxMs: Number(get('la-max', '300')),
    variants: get('variants', ALL_VARIANTS.join(',')).split(',') as Variant[],
    finishTimeoutMs: Number(get('finish-timeout', '120000')),
  };
}

const children = new Set<ChildProcess>();
function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Server {
  address: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(tmp: string, name: string, dynamicConfig: string[]): Promise<Server> {
  const port = await freePort();
  const db = join(tmp, `${name}.sqlite`);
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    db,
    '--namespace',
    NAMESPACE,
    '--log-level',
    'warn',
    '--log-format',
    'json',
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    ...dynamicConfig.flatMap((kv) => ['--dynamic-config-value', kv]),
  ];
  const proc = spawn(TEMPORAL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  const log = createWriteStream(join(tmp, `${name}.server.log`));
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  const address = `127.0.0.1:${port}`;
  const { Connection } = await import('@temporalio/client');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`temporal server exited (${proc.exitCode}); see ${name}.server.log`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.describeNamespace({ namespace: NAMESPACE });
      await c.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
  return {
    address,
    proc,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await new Promise((r) => proc.once('exit', r));
        clearTimeout(t);
      }
      children.delete(proc);
    },
  };
}

interface WorkerProc {
  proc: ChildProcess;
  kill(signal: NodeJS.Signals): Promise<void>;
}

async function startWorker(
  address: string,
  taskQueue: string,
  cache: number,
  bundlePath: string,
  logPath: string,
  onUnexpectedExit?: (code: number | null, signal: string | null) => void,
): Promise<WorkerProc> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'signal-loss-worker.ts'), address, taskQueue, String(cache), bundlePath],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(proc);
  const log = createWriteStream(logPath, { flags: 'a' });
  log.write(`--- worker pid ${proc.pid} started ${new Date().toISOString()} (maxCachedWorkflows=${cache})\n`);
  proc.stderr.pipe(log, { end: false });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('READY')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`worker exited early (${code}); see ${logPath}`)));
  });
  let expected = false;
  proc.once('exit', (code, signal) => {
    log.write(`--- worker pid ${proc.pid} exited code=${code} signal=${signal} ${new Date().toISOString()}\n`);
    if (!expected) onUnexpectedExit?.(code, signal);
  });
  return {
    proc,
    kill: async (signal) => {
      expected = true;
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill(signal);
        const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      children.delete(proc);
    },
  };
}

interface VariantResult {
  variant: string;
  sent: number;
  acked: number;
  applied: number;
  missing: number[];
  missingInHistory: number;
  signalEventsInHistory: number;
  runs: number;
  wftFailures: Record<string, number>;
  wftTimeouts: number;
  notes: string[];
  seconds: number;
}

async function runVariant(
  variant: Variant,
  server: Server,
  opts: Options,
  bundlePath: string,
  tmp: string,
): Promise<VariantResult> {
  const { Client, Connection, WorkflowFailedError } = await import('@temporalio/client');
  const protoMod: any = await import('@temporalio/proto');
  const temporal: typeof protoTemporal = protoMod.temporal ?? protoMod.default.temporal;
  const { defaultPayloadConverter } = await import('@temporalio/common');
  const wf = await import('./signal-loss-workflow.js');
  const started = Date.now();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: NAMESPACE });
  const stamp = Date.now().toString(36);
  const taskQueue = `repro-${variant}-${stamp}`;
  const workflowId = `signal-loss-${variant}-${stamp}`;
  const workerLog = join(tmp, `${variant}.worker.log`);
  const cache = variant === 'no-cache' ? 0 : 100;
  const notes: string[] = [];
  const log = (msg: string) => {
    const line = `[${variant} +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`;
    console.log(line);
  };

  let worker: WorkerProc | undefined;
  const launch = async (): Promise<WorkerProc> =>
    startWorker(server.address, taskQueue, cache, bundlePath, workerLog, (code, signal) => {
      notes.push(`worker crashed (code=${code} signal=${signal}); restarted (see ${workerLog})`);
      log(`worker crashed (code=${code} signal=${signal}); restarting`);
      void launch().then((w) => (worker = w));
    });
  if (variant !== 'no-worker-first') worker = await launch();

  const input: SignalLossInput = {
    maxSignalsPerRun: opts.maxSignalsPerRun,
    batchSize: opts.batchSize,
    laMinMs: opts.laMinMs,
    laMaxMs: opts.laMaxMs,
  };
  const first = await client.workflow.start(wf.signalLossWorkflow, { taskQueue, workflowId, args: [input] });
  const firstRunId = first.firstExecutionRunId;
  const handle = client.workflow.getHandle(workflowId); // no runId: signals follow continue-as-new
  log(`started ${workflowId} run ${firstRunId}`);

  // Senders ---------------------------------------------------------------------------------------------------------
  const acked = new Set<number>();
  let next = 0;
  let failedSends = 0;
  const sendOne = async (n: number) => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        await handle.signal(wf.addSignal, n);
        acked.add(n);
        return;
      } catch (err) {
        if (attempt === 5) {
          failedSends += 1;
          notes.push(`signal ${n} not acknowledged: ${(err as Error).message}`);
        } else await sleep(200 * attempt);
      }
    }
  };
  let sendStart = Date.now();
  const sender = async () => {
    for (;;) {
      const n = next++;
      if (n >= opts.signals) return;
      if (opts.burst > 0) {
        const due = sendStart + Math.floor(n / opts.burst) * opts.pauseMs;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      } else if (opts.rate > 0) {
        const due = sendStart + (n * 1000) / opts.rate;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
      await sendOne(n);
    }
  };

  // Worker choreography ---------------------------------------------------------------------------------------------
  const choreography = (async () => {
    const waitSent = async (count: number) => {
      while (next < count) await sleep(20);
    };
    if (variant === 'no-worker-first') {
      await waitSent(Math.floor(opts.signals * 0.4));
      log(`${next} signals sent with no worker; starting worker`);
      worker = await launch();
      log('worker started');
    } else if (variant === 'kill-worker') {
      for (const frac of [0.25, 0.55]) {
        await waitSent(Math.floor(opts.signals * frac));
        log(`SIGKILL worker at ${next} signals sent`);
        await worker!.kill('SIGKILL');
        await sleep(2000);
        log(`restarting worker at ${next} signals sent`);
        worker = await launch();
        log('worker restarted');
      }
    }
  })();

  sendStart = Date.now();
  await Promise.all(Array.from({ length: opts.senders }, sender));
  const sendSecs = (Date.now() - sendStart) / 1000;
  log(
    `sent ${opts.signals} signals in ${sendSecs.toFixed(1)}s (${(opts.signals / sendSecs).toFixed(0)}/s), ` +
      `${acked.size} acknowledged, ${failedSends} failed`,
  );
  await choreography;

  // Finish and collect -----------------------------------------------------------------------------------------------
  let applied: number[] | undefined;
  try {
    await handle.signal(wf.finishSignal);
    applied = await Promise.race([handle.result(), sleep(opts.finishTimeoutMs).then(() => undefined)]);
    if (!applied) notes.push(`no result within ${opts.finishTimeoutMs / 1000}s; used query`);
  } catch (err) {
    notes.push(`result failed: ${err instanceof WorkflowFailedError ? String(err.cause) : (err as Error).message}`);
  }
  if (!applied) {
    try {
      applied = (await handle.query(wf.stateQuery)).received;
    } catch (err) {
      notes.push(`query failed: ${(err as Error).message}`);
      applied = [];
    }
  }
  log(`workflow finished: ${applied.length} numbers in final state`);

  // Histories of every run in the chain ------------------------------------------------------------------------------
  const EventType = temporal.api.enums.v1.EventType;
  const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
  const wftFailures: Record<string, number> = {};
  let wftTimeouts = 0;
  const inHistory = new Map<number, string>(); // number -> "run#event"
  let signalEvents = 0;
  const histories: { runId: string; events: any[] }[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    histories.push({ runId, events });
    let nextRun: string | undefined;
    const failedAt: string[] = [];
    for (const e of events) {
      const type = EventType[e.eventType!];
      if (type === 'EVENT_TYPE_WORKFLOW_TASK_FAILED') {
        const cause =
          Cause[e.workflowTaskFailedEventAttributes!.cause!] ?? String(e.workflowTaskFailedEventAttributes!.cause);
        const short = cause.replace('WORKFLOW_TASK_FAILED_CAUSE_', '');
        wftFailures[short] = (wftFailures[short] ?? 0) + 1;
        failedAt.push(`${Number(e.eventId)}:${short}`);
      } else if (type === 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT') {
        wftTimeouts += 1;
      } else if (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED') {
        const a = e.workflowExecutionSignaledEventAttributes!;
        if (a.signalName === 'add') {
          signalEvents += 1;
          const n = defaultPayloadConverter.fromPayload<number>(a.input!.payloads![0]!);
          inHistory.set(n, `${runId.slice(0, 8)}#${Number(e.eventId)}`);
        }
      } else if (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW') {
        nextRun = e.workflowExecutionContinuedAsNewEventAttributes!.newExecutionRunId ?? undefined;
      }
    }
    // Compressed event sequence: consecutive events of one type collapse to TYPE×n (stretches of >100 signals with no
    // workflow-task events are what transient force-closed tasks leave behind: they write no WorkflowTaskFailed).
    const seq: string[] = [];
    let prev = '';
    let n = 0;
    let longStretches = 0;
    let longest = 0;
    const stretchLens: number[] = [];
    const flush = () => {
      if (!n) return;
      seq.push(n > 1 ? `${prev}×${n}` : prev);
      if (prev === 'SIGNALED') {
        longest = Math.max(longest, n);
        if (n > 100) {
          longStretches += 1;
          stretchLens.push(n);
        }
      }
    };
    for (const e of events) {
      const t = (EventType[e.eventType!] ?? String(e.eventType))
        .replace('EVENT_TYPE_', '')
        .replace('WORKFLOW_EXECUTION_', '');
      if (t === prev) n += 1;
      else {
        flush();
        prev = t;
        n = 1;
      }
    }
    flush();
    writeFileSync(
      join(tmp, `${variant}.run-${histories.length}-${runId.slice(0, 8)}.events.txt`),
      seq.join('\n') + '\n',
    );
    notes.push(
      `run ${runId.slice(0, 8)}…: longest signal stretch ${longest}, stretches >100 signals: ${longStretches}` +
        (stretchLens.length ? ` (${stretchLens.join(', ')})` : ''),
    );
    notes.push(
      `run ${runId.slice(0, 8)}…: ${events.length} events, WFT failed at ` +
        (failedAt.length
          ? failedAt.slice(0, 12).join(' ') + (failedAt.length > 12 ? ` …(+${failedAt.length - 12})` : '')
          : '-'),
    );
    runId = nextRun;
  }
  writeFileSync(
    join(tmp, `${variant}.histories.json`),
    JSON.stringify(histories.map((h) => ({ runId: h.runId, events: h.events.length }))),
  );

  const appliedSet = new Set(applied);
  const missing = [...acked].filter((n) => !appliedSet.has(n)).sort((a, b) => a - b);
  const missingInHistory = missing.filter((n) => !inHistory.has(n)).length;
  if (missing.length) {
    // Where the missing numbers sit in the histories: run#eventId, in event order.
    const where = missing.map((n) => inHistory.get(n) ?? `NOT-IN-HISTORY(${n})`);
    where.sort((a, b) => (a.slice(0, 8) === b.slice(0, 8) ? Number(a.split('#')[1]) - Number(b.split('#')[1]) : 0));
    notes.push(`missing numbers: ${missing.join(',')}`);
    notes.push(`missing signals' events (run#eventId): ${where.join(' ')}`);
  }
  const extra = applied.filter((n) => !acked.has(n));
  if (extra.length) notes.push(`${extra.length} applied numbers never acknowledged (sends that errored)`);

  // Worker log markers
  const wlog = (() => {
    try {
      return readFileSync(workerLog, 'utf8');
    } catch {
      return '';
    }
  })();
  const count = (re: RegExp) => (wlog.match(re) ?? []).length;
  notes.push(
    `worker log: TMPRL1104=${count(/TMPRL1104/g)}, "not found"=${count(/not found|NotFound/gi)}, ` +
      `"already has one"=${count(/already has one/g)}, async-hook crashes=${count(/async hook stack has become corrupted/g)}, ` +
      `nondeterminism=${count(/[Nn]ondetermin/g)}, lines=${wlog.split('\n').length - 1}`,
  );

  if (worker) await worker.kill('SIGTERM');
  await connection.close();
  return {
    variant: opts.burst > 0 ? `${variant}/bursts-of-${opts.burst}` : `${variant}/continuous`,
    sent: opts.signals,
    acked: acked.size,
    applied: applied.length,
    missing,
    missingInHistory,
    signalEventsInHistory: signalEvents,
    runs: histories.length,
    wftFailures,
    wftTimeouts,
    notes,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  const tmp = mkdtempSync(join(tmpdir(), 'signal-loss-'));
  console.log(`temp dir ${tmp}; options ${JSON.stringify(opts)}`);

  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(here, 'signal-loss-workflow.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const bundlePath = join(tmp, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);

  const results: VariantResult[] = [];
  const normal = opts.variants.filter((v) => v !== 'raised-limit');
  if (normal.length) {
    const server = await startServer(tmp, 'server-default', []);
    console.log(`server (default dynamic config) at ${server.address}`);
    try {
      for (const v of normal) results.push(await runVariant(v, server, opts, bundlePath, tmp));
    } finally {
      await server.stop();
    }
  }
  if (opts.variants.includes('raised-limit')) {
    const server = await startServer(tmp, 'server-raised', ['history.maximumBufferedEventsBatch=100000']);
    console.log(`server (history.maximumBufferedEventsBatch=100000) at ${server.address}`);
    try {
      results.push(await runVariant('raised-limit', server, opts, bundlePath, tmp));
    } finally {
      await server.stop();
    }
  }

  console.log('\n' + '='.repeat(120));
  const header = [
    'variant',
    'sent',
    'acked',
    'applied',
    'missing',
    'missing∉hist',
    'sig events',
    'runs',
    'WFT failed by cause',
    'WFT t/o',
    'secs',
  ];
  const rows = results.map((r) => [
    r.variant,
    String(r.sent),
    String(r.acked),
    String(r.applied),
    String(r.missing.length),
    String(r.missingInHistory),
    String(r.signalEventsInHistory),
    String(r.runs),
    Object.entries(r.wftFailures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-',
    String(r.wftTimeouts),
    String(r.seconds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(fmt(row));
  console.log('');
  for (const r of results) for (const n of r.notes) console.log(`  ${r.variant}: ${n}`);
  console.log(`\nlogs and history summaries in ${tmp}`);
  writeFileSync(join(tmp, 'results.json'), JSON.stringify(results, null, 2));
  if (process.env.REPRO_KEEP_TMP !== '1') {
    for (const db of ['server-default.sqlite', 'server-raised.sqlite']) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(tmp, db + suffix), { force: true });
    }
  }
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
