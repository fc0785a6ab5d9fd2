// Every stage of a benchmark or drill runs against a deadline and prints how long it took. A stage that would wait
// forever (a lost event, a delivery that never comes) fails at its deadline instead, naming what is missing.

/** `BENCH_DEADLINE_SECONDS` replaces every stage's default deadline (e.g. on a slower machine). */
export function stageDeadlineMs(defaultMs: number): number {
  const seconds = Number(process.env.BENCH_DEADLINE_SECONDS);
  return seconds > 0 ? seconds * 1000 : defaultMs;
}

/** A stage's deadline as it runs: what is left of it. */
export interface Deadline {
  readonly timeoutMs: number;
  left: () => number;
}

export class StageTimeout extends Error {
  /** The message already names what is missing. */
  described = false;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Runs `stage` with a deadline of `timeoutMs` and prints its duration. Past the deadline it rejects with a
 * StageTimeout whose message holds `missing()` (what the stage was still waiting for). Waits inside the stage should
 * use `deadline.left()` so that they fail first, with their own account of what is missing.
 */
export async function timedStage<T>(
  name: string,
  timeoutMs: number,
  stage: (deadline: Deadline) => Promise<T>,
  missing?: () => Promise<string>,
): Promise<T> {
  const started = Date.now();
  const deadline: Deadline = { timeoutMs, left: () => Math.max(0, started + timeoutMs - Date.now()) };
  let timer: NodeJS.Timeout | undefined;
  // A little grace after the deadline: a wait inside the stage that uses deadline.left() reports first.
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const explain = missing
        ? missing().catch((err: Error) => `(could not tell what is missing: ${err.message})`)
        : '';
      void Promise.resolve(explain).then((what) => {
        const timeout = new StageTimeout(`${name}: not finished within its deadline of ${seconds(timeoutMs)}\n${what}`);
        timeout.described = true;
        reject(timeout);
      });
    }, timeoutMs + 5_000);
  });
  try {
    const value = await Promise.race([stage(deadline), expired]);
    console.log(`[${name}] finished in ${seconds(Date.now() - started)} (deadline ${seconds(timeoutMs)})`);
    return value;
  } catch (err) {
    console.log(`[${name}] FAILED after ${seconds(Date.now() - started)} (deadline ${seconds(timeoutMs)})`);
    if (err instanceof StageTimeout && !err.described && missing) {
      err.message += `\n${await missing().catch((e: Error) => `(could not tell what is missing: ${e.message})`)}`;
      err.described = true;
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` every `intervalMs` until `done` holds for its result; past `timeoutMs` throws a StageTimeout with
 * `describe` of the last result (what is still missing).
 */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T>,
  done: (result: T) => boolean,
  describe: (result: T) => string,
  intervalMs = 1000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (done(result)) return result;
    if (Date.now() >= until) {
      const timeout = new StageTimeout(
        `${what}: not reached within ${seconds(timeoutMs)}; missing:\n${describe(result)}`,
      );
      timeout.described = true;
      throw timeout;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(10, until - Date.now()))));
  }
}

/** A promise that rejects with a StageTimeout after `timeoutMs` unless `promise` settles first. */
export async function within<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StageTimeout(`${what}: not within ${seconds(timeoutMs)}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `label: n` and, when there are any, the first `max` of them (so a failure names what is missing). */
export function listSome(label: string, items: Iterable<string>, max = 20): string {
  const all = [...items];
  if (all.length === 0) return `${label}: 0`;
  const shown = all.slice(0, max).join(', ');
  return `${label}: ${all.length} (${all.length > max ? `first ${max}: ` : ''}${shown})`;
}
