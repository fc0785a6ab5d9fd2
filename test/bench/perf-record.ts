// BENCH_PERF=<dir>: `perf record` of the whole machine (on-CPU samples only, with call graphs) over each bookbell
// burst, and the roles run with --perf-basic-prof so that JavaScript frames have names. Unlike BENCH_CPU_PROF's V8
// profiles, which sample wall time while a thread is on the stack (a write that wakes its reader shows as time spent
// writing), perf counts CPU. Read with `perf report -i <file> --sort comm,dso,sym`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { markRoleLogs } from './role-logs.js';

export const perfDir = process.env.BENCH_PERF;

/** Node flags for a role's process. */
export const perfNodeFlags = perfDir ? ['--perf-basic-prof'] : [];

/**
 * Starts recording a burst (with BENCH_PERF; BENCH_ROLE_LOGS marks its beginning in the role logs); the returned
 * function stops it, marks its end and waits for the file to be written.
 */
export async function startPerfRecord(name: string): Promise<() => Promise<void>> {
  markRoleLogs(`burst ${name} begins`);
  const marked = () => markRoleLogs(`burst ${name} ends`);
  if (!perfDir) return () => Promise.resolve(marked());
  const perf = spawn('perf', ['record', '-a', '-g', '-F', '999', '-o', join(perfDir, `${name}.data`)], {
    stdio: 'ignore',
  });
  // Fails loudly when perf is missing or may not record (kernel.perf_event_paranoid): the run asked for it.
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const exited = new Promise<void>((resolve) => {
    perf.once('error', (err) => fail(new Error(`BENCH_PERF: cannot run perf: ${err.message}`)));
    perf.once('exit', (code) => {
      fail(new Error(`BENCH_PERF: perf record exited (${String(code)}) before the burst`));
      resolve();
    });
  });
  // perf needs a moment to open its buffers on every CPU before the burst starts.
  await Promise.race([new Promise((resolve) => setTimeout(resolve, 300)), failed]);
  void failed.catch(() => {});
  return async () => {
    marked();
    perf.kill('SIGINT');
    await exited;
  };
}
