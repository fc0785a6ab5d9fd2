import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { TEST_PAYLOAD_KEYS } from './payload-keys.js';
import { TEST_SECRET_KEYS } from './secret-keys.js';

/** `npm run worker` as its own process, against the run's Temporal server and database with this process's keys; `env` adds to that. */
export function spawnWorkerProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/bin/worker.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: inject('databaseUrl'),
      LOG_LEVEL: 'warn',
      PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
      SECRET_KEYS: TEST_SECRET_KEYS,
      ...env,
    },
    stdio: 'ignore',
  });
}
