// `npm run api`: the intake API alone, for a cluster (TEMPORAL_ADDRESS + DATABASE_URL).
import { loadConfig, requireClusterConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { startApiRole } from '../roles.js';
import { checkDatabase } from '../startup/database-check.js';
import { checkTemporal } from '../startup/temporal-check.js';
import { exitOnError, stopOnSignals } from './shutdown.js';

async function main() {
  const config = requireClusterConfig(loadConfig());
  await checkDatabase(config.DATABASE_URL);
  await checkTemporal(config, config.TEMPORAL_ADDRESS, 'start it or fix TEMPORAL_ADDRESS');
  const logger = createLogger(config.LOG_LEVEL, 'bookbell-api');
  const pool = createPool(config.DATABASE_URL, logger, config.DATABASE_POOL_SIZE);
  await migrate(pool);
  const api = await startApiRole({ config, temporalAddress: config.TEMPORAL_ADDRESS, pool, logger });
  stopOnSignals(logger, async () => {
    await api.stop();
    await pool.end();
  });
}

main().catch(exitOnError);
