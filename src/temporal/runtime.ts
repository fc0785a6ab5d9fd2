import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { includeTemporalCoreMetrics } from '../metrics/exposition.js';
import { freePort } from '../net/free-port.js';

/**
 * Installs the Temporal SDK's Runtime: its own logs (worker, core) go into pino at warn and above, and its worker
 * metrics (`temporal_*`) are exported by the core on a loopback port that this process's `/metrics` appends.
 * Call once, before any worker.
 */
export async function installTemporalRuntime(logger: Logger): Promise<void> {
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  const sdkLog = new DefaultLogger('WARN', (entry) => {
    const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
    const log = level === 'error' ? sdkLogger.error : sdkLogger.warn;
    log.call(sdkLogger, entry.meta ?? {}, entry.message);
  });
  for (let tries = 1; ; tries++) {
    const bindAddress = `127.0.0.1:${await freePort()}`;
    try {
      Runtime.install({ logger: sdkLog, telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
      includeTemporalCoreMetrics(`http://${bindAddress}/metrics`);
      return;
    } catch (err) {
      // Another process took the port between our check and the core's bind: pick another.
      if (tries >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}
