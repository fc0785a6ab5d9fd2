import type { Logger } from '../logger.js';

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

/** The last line of every entry point. */
export function exitOnError(err: unknown): never {
  // Configuration and usage errors are for people: their message, not a stack.
  console.error(err instanceof Error && (err.name === 'ConfigError' || err.constructor === Error) ? err.message : err);
  process.exit(1);
}
