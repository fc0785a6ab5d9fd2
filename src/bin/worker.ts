// `npm run worker`: one worker process for a cluster (TEMPORAL_ADDRESS + DATABASE_URL).
import { loadConfig, requireClusterConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { createWorkerPool } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { startMetricsServer } from '../metrics/server.js';
import { startWorkerRole } from '../roles.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { checkDatabase } from '../startup/database-check.js';
import { checkTemporal } from '../startup/temporal-check.js';
import { exitOnError, stopOnSignals } from './shutdown.js';

async function main() {
  const config = requireClusterConfig(loadConfig());
  await checkDatabase(config.DATABASE_URL);
  await checkTemporal(config, config.TEMPORAL_ADDRESS, 'start it or fix TEMPORAL_ADDRESS');
  const logger = createLogger(config.LOG_LEVEL, 'bookbell-worker');
  await installTemporalRuntime(logger);
  const pool = createWorkerPool(config.DATABASE_URL, logger, config.DATABASE_POOL_SIZE);
  await migrate(pool);
  const worker = await startWorkerRole({ config, temporalAddress: config.TEMPORAL_ADDRESS, pool, logger });
  const metrics =
    config.METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer({ host: config.HOST, port: config.METRICS_PORT, logger, token: config.METRICS_TOKEN });
  stopOnSignals(logger, async () => {
    await worker.stop();
    await metrics?.stop();
    await pool.end();
  });
}

main().catch(exitOnError);
