import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger.js';

/** Routes the Temporal SDK's own logs (worker, core) into pino at warn and above. Call once, before any worker. */
export function installTemporalRuntime(logger: Logger): void {
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
      const log = level === 'error' ? sdkLogger.error : sdkLogger.warn;
      log.call(sdkLogger, entry.meta ?? {}, entry.message);
    }),
  });
}
