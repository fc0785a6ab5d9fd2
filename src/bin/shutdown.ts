import { wantsStackTraces } from '../config.js';
import type { Logger } from '../logger.js';
import { describeFailure } from '../startup/failure.js';
import { RELAY_WINDOW_MS } from './supervise.js';

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits (1 if it failed). A signal again later than `RELAY_WINDOW_MS` exits at
 * once; one sooner is the same Ctrl-C relayed by npm and tsx, and is ignored. `supervised` (`npm start`'s child, see
 * src/bin/supervise.ts): also stops when the supervisor is gone (killed, crashed), as nothing would stop it after.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, options: { supervised?: boolean } = {}): void {
  let stoppingSince: number | undefined;
  const begin = (why: { signal: NodeJS.Signals } | { reason: string }) => {
    stoppingSince = Date.now();
    logger.info(why, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince === undefined) return begin({ signal });
    if (Date.now() - stoppingSince < RELAY_WINDOW_MS) return;
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (options.supervised) {
    const onDisconnect = () => {
      if (stoppingSince === undefined) begin({ reason: 'supervisor gone' });
    };
    // It may have gone while this process was still starting.
    if (process.connected) process.once('disconnect', onDisconnect);
    else onDisconnect();
  }
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
