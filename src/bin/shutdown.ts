import { wantsStackTraces } from '../config.js';
import type { Logger } from '../logger.js';
import { describeFailure } from '../startup/failure.js';

/** Runs `stop` once on SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * The last line of every entry point: one or two sentences for people (a `StartupFailure`, a configuration or usage
 * error, or any error's own message), never `undefined`; the stack only with LOG_LEVEL=debug or trace.
 */
export function exitOnError(err: unknown): never {
  console.error(describeFailure(err));
  if (wantsStackTraces() && err instanceof Error && err.stack) console.error(err.stack);
  process.exit(1);
}
