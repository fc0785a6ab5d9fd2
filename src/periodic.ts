import type { Logger } from './logger.js';

/**
 * Runs `sweep` every `intervalMs` until stopped: a failed sweep is logged and tried again next time; `stop` wakes the
 * wait and resolves once the sweep in progress (if any) ended.
 */
export function everyInterval(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  logger: Logger,
  what: string,
): { stop: () => Promise<void> } {
  let stopped = false;
  let wake: () => void = () => {};
  const loop = (async () => {
    while (!stopped) {
      await sweep().catch((err: unknown) => logger.warn({ err }, `${what} failed`));
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wake();
      await loop;
    },
  };
}
