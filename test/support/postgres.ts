import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type PostgresServer } from '../../src/db/embedded-postgres.js';
import type { Durability } from '../../src/durability.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from './free-port.js';

/**
 * A fresh, empty database for one test run: a new database on DATABASE_URL's server when it is set (dropped at the
 * end), otherwise an embedded PostgreSQL in a temp folder (deleted at the end), without fsync unless `durability`
 * says `safe`: its data is thrown away.
 */
export async function startTestPostgres(
  databaseUrl = process.env.DATABASE_URL,
  durability: Durability = 'fast-unsafe',
  /** Server settings of an embedded PostgreSQL (ignored on DATABASE_URL). */
  settings?: Record<string, string>,
): Promise<PostgresServer> {
  const database = `bookbell_test_${process.pid}_${Date.now().toString(36)}`;
  if (databaseUrl) {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database ${pg.escapeIdentifier(database)}`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    return {
      url: url.toString(),
      source: `database ${database} on DATABASE_URL`,
      stop: async () => {
        const cleanup = new pg.Client({ connectionString: databaseUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
        await cleanup.end();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bookbell-pg-'));
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    database,
    logger: createLogger('silent'),
    persistent: false,
    durability,
    settings,
  });
  return {
    ...server,
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
