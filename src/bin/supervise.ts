import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Set in the supervised child's environment: it starts the system instead of supervising again. */
const CHILD_MARKER = 'BOOKBELL_SUPERVISED';

/**
 * Signals within this of the first are the same Ctrl-C, which npm (and tsx's CLI) relay to the process they started.
 * One later is a deliberate second Ctrl-C.
 */
export const RELAY_WINDOW_MS = 1000;

/** Whether this process is the child of a supervising `npm start` (see `superviseSelf`). */
export function isSupervised(): boolean {
  return process.env[CHILD_MARKER] === '1' && process.channel !== undefined;
}

/** After the child exits, at most this long for the rest of its output (servers it left may still hold its pipes). */
const OUTPUT_WAIT_MS = 5000;

/**
 * `npm start` on POSIX: runs this script again as a child in a session (and process group) of its own, and only
 * supervises it. A terminal's Ctrl-C goes to its whole foreground process group: without this it also reached the
 * PostgreSQL and Temporal servers, which stopped under the feet of the worker and API still draining. Now it reaches
 * the supervisor, which hands the child one SIGINT; the child stops the API, the worker and then the servers, in order.
 * Returns false in that child (and on Windows, where nothing is supervised), which then starts the system.
 */
export function superviseSelf(): boolean {
  if (process.platform === 'win32' || process.env[CHILD_MARKER] === '1') return false;
  // execArgv carries tsx's loader (`--import …`), so the child runs the same TypeScript the same way.
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, [CHILD_MARKER]: '1' },
  });
  // The child writes to the supervisor, which writes to the terminal: once a closed terminal fails every write (EIO),
  // only these fail, and are dropped, while the child stops in order. Written there, its logger crashed on the first
  // one, then retried its flush at exit for ever, leaving the child and the servers running.
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    to.on('error', () => {});
    from?.on('data', (chunk: Buffer) => {
      if (!to.destroyed) to.write(chunk);
    });
  }
  let forwardedAt: number | undefined;
  const forward = () => {
    if (forwardedAt !== undefined && Date.now() - forwardedAt < RELAY_WINDOW_MS) return;
    forwardedAt = Date.now();
    child.kill('SIGINT');
  };
  // SIGHUP: the terminal closed (its shell hangs up its jobs).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward);
  child.once('error', (err) => {
    console.error(`bookbell could not start its process: ${err.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    // What the child leaves in its group (a server still starting when a Ctrl-C came, or any after a second Ctrl-C
    // made it exit at once) would otherwise run on unseen: SIGINT is PostgreSQL's fast shutdown, Temporal's Ctrl-C.
    try {
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    } catch {
      // The group is empty: everything stopped.
    }
    const status = code ?? (signal ? 128 + constants.signals[signal] : 1);
    child.once('close', () => process.exit(status));
    setTimeout(() => process.exit(status), OUTPUT_WAIT_MS);
  });
  return true;
}
