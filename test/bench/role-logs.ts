// BENCH_ROLE_LOGS=<dir>: every role's output (pino lines, and what BENCH_NODE_FLAGS such as --trace-opt print) is
// written to <dir>/<role>-<pid>.log, with a line where each measured burst begins and ends, so that what a process did
// during the burst can be told from its start and warm-up: e.g. the functions V8 optimized, and for how long.
import { appendFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = process.env.BENCH_ROLE_LOGS;

/** Extra Node flags for every role's process (BENCH_NODE_FLAGS="--trace-opt --trace-deopt"). */
export const extraNodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/** Where a role's output goes, if anywhere. */
export function roleLogFile(script: string, pid: number): string | undefined {
  return dir ? join(dir, `${basename(script, '.ts')}-${pid}.log`) : undefined;
}

/** Appends `=== <text> ===` to every role log written so far. */
export function markRoleLogs(text: string): void {
  if (!dir) return;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.log'))) {
    appendFileSync(join(dir, file), `\n=== ${text} ===\n`);
  }
}
