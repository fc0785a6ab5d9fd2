// Whatever a benchmark or drill starts — the dev server, PostgreSQL, worker and API processes — registers how to stop
// it here, so it is stopped even when the run is interrupted (SIGINT, SIGTERM). The normal path (try/finally) stops
// each server itself and unregisters it; a signal stops whatever is still registered, newest first, then exits.

const running = new Map<number, { what: string; stop: () => Promise<void> }>();
let next = 0;
let installed = false;
let stopping = false;

/** How long the servers get to stop on a signal before the process exits anyway. */
const STOP_GRACE_MS = 30_000;

/** Registers a server's stop; returns the function that unregisters it (call it once it is stopped normally). */
export function onShutdown(what: string, stop: () => Promise<void>): () => void {
  install();
  const id = next++;
  running.set(id, { what, stop });
  return () => running.delete(id);
}

/** Stops every registered server, newest first; errors are printed, not thrown (the next server still stops). */
export async function stopEverything(): Promise<void> {
  for (const [id, { what, stop }] of [...running].reverse()) {
    running.delete(id);
    try {
      await stop();
    } catch (err) {
      console.error(`stopping ${what}: ${(err as Error).message}`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        console.error(`\n${signal} again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      console.error(`\n${signal}: stopping ${running.size} servers and processes…`);
      const forced = setTimeout(() => {
        console.error(`still stopping after ${STOP_GRACE_MS / 1000} s: exiting`);
        process.exit(1);
      }, STOP_GRACE_MS);
      forced.unref();
      void stopEverything().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}

/**
 * Runs a benchmark's or drill's `main`: whatever it leaves running (a stage that timed out while its processes
 * still ran) is stopped at the end; an error is printed and exits 1 once everything is stopped.
 */
export function runMain(main: () => Promise<void>): void {
  void main().then(stopEverything, async (err: unknown) => {
    console.error(err);
    await stopEverything();
    process.exit(1);
  });
}
