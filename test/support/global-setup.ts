import type { TestProject } from 'vitest/node';
import { ensureConsoleBuilt } from '../../console/build.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startTemporal } from '../../src/temporal/server.js';
import { startTestPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
  }
}

/** One real Temporal dev server (random port, in memory) and one fresh real database for the whole run. */
export default async function setup(project: TestProject) {
  // The console bundle is built when missing or stale, so the browser tests run on a fresh clone.
  const [temporal, postgres] = await Promise.all([
    startTemporal({ address: process.env.TEMPORAL_ADDRESS, cli: process.env.TEMPORAL_CLI, namespace: 'default' }),
    startTestPostgres(),
    ensureConsoleBuilt(),
  ]);
  const pool = createPool(postgres.url, createLogger('silent'));
  await migrate(pool);
  await pool.end();
  project.provide('temporalAddress', temporal.address);
  project.provide('databaseUrl', postgres.url);
  return async () => {
    await temporal.stop();
    await postgres.stop();
  };
}
