import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../src/paths.js';
import { perfNodeFlags } from './perf-record.js';
import { extraNodeFlags, roleLogFile } from './role-logs.js';
import { onShutdown } from './shutdown.js';

/** A bookbell role (or the floor's worker) running as its own process, as it would in a cluster. */
export interface RoleProcess {
  child: ChildProcess;
  pid: number;
  /** The role's pino lines (stdout and stderr), for diagnosing a failed run. */
  log: string[];
  /** Resolves with the first log line matching `pattern` (rejects if the process exits first). */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  /** SIGTERM (a clean stop: in-flight work finishes) or SIGKILL (a crash); resolves once the process is gone. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Starts `node --import tsx <script>` from the project root with exactly `env` (plus PATH): `src/bin/worker.ts` and
 * `src/bin/api.ts` are `npm run worker` and `npm run api` without npm in between, so the pid is the role's own.
 */
export function spawnRole(script: string, env: Record<string, string | undefined>): RoleProcess {
  // BENCH_CPU_PROF=<dir>: each role writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, ...perfNodeFlags, ...extraNodeFlags, '--import', 'tsx', script], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  // 'close', not 'exit': a process's last lines may reach us after its exit, and a waiter must see them first.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // Stopped on SIGINT/SIGTERM of this process too, not left running without it.
  const unregister = onShutdown(script, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  void exited.then(unregister);
  const logFile = roleLogFile(script, child.pid ?? 0);
  const onData = (chunk: Buffer) => {
    if (logFile) appendFileSync(logFile, chunk);
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      log.push(line);
      if (log.length > 2000) log.shift();
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    child,
    pid: child.pid ?? 0,
    log,
    waitFor: (pattern, timeoutMs = 120_000) => {
      const seen = log.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${script}: no ${pattern} within ${timeoutMs} ms:\n${log.slice(-20).join('\n')}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${script} exited (${child.exitCode ?? child.signalCode}):\n${log.slice(-20).join('\n')}`));
        });
      });
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** `npm run worker` as its own process; resolves once it polls its task queue. */
export async function startWorkerProcess(env: Record<string, string | undefined>): Promise<RoleProcess> {
  const worker = spawnRole('src/bin/worker.ts', env);
  await worker.waitFor(/"msg":"worker running"/);
  return worker;
}

/** `npm run api` as its own process on a free port; resolves with its URL once it listens. */
export async function startApiProcess(env: Record<string, string | undefined>): Promise<RoleProcess & { url: string }> {
  const api = spawnRole('src/bin/api.ts', { PORT: '0', ...env });
  const line = await api.waitFor(/"msg":"API listening"/);
  return { ...api, url: (JSON.parse(line) as { url: string }).url };
}

/** Resident memory of a process now and at its peak, in MiB (Linux /proc); undefined once it is gone. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time a process has used so far (user + system), in seconds (Linux /proc); 0 once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of a PostgreSQL server so far: its postmaster, the backends alive now, and those it has already reaped
 * (their time is added to the postmaster's children's time). Found by its port; 0 when none runs here (DATABASE_URL
 * elsewhere, or a shared server whose time is not ours alone: pass undefined).
 */
export function postgresCpuSeconds(port: number | undefined): number {
  if (!port) return 0;
  const postmaster = pidByCommandLine(`-p ${port}`);
  if (!postmaster) return 0;
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const pid = Number(entry);
      if (pid === postmaster) {
        total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
      } else if (Number(fields[1]) === postmaster) {
        total += (Number(fields[11]) + Number(fields[12])) / 100;
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The pid of the process whose command line contains `fragment` (e.g. the dev server's own SQLite file). */
export function pidByCommandLine(fragment: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(fragment) && !commandLine.includes('--import tsx')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Samples a process's RSS every `intervalMs` and keeps the highest; `stop()` returns it in MiB. */
export function sampleMemory(pid: () => number | undefined, intervalMs = 250): { stop: () => number } {
  let highest = 0;
  const sample = () => {
    const id = pid();
    const memory = id ? memoryOf(id) : undefined;
    if (memory) highest = Math.max(highest, memory.rssMiB);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return highest;
    },
  };
}

/** CPU seconds each process (and this one: load + receiver) spends from now until the returned function is called. */
export function measureCpu(pids: { worker: number; server: number | undefined; api?: number; postgresPort?: number }) {
  const read = () => ({
    driver: ((usage) => (usage.user + usage.system) / 1e6)(process.cpuUsage()),
    worker: cpuSecondsOf(pids.worker),
    server: cpuSecondsOf(pids.server),
    api: cpuSecondsOf(pids.api),
    postgres: postgresCpuSeconds(pids.postgresPort),
  });
  const before = read();
  return () => {
    const after = read();
    return {
      worker: after.worker - before.worker,
      server: after.server - before.server,
      api: after.api - before.api,
      postgres: after.postgres - before.postgres,
      driver: after.driver - before.driver,
    };
  };
}
