import Postgrator from 'postgrator';
import { fromRoot } from '../paths.js';
import { withClient, type Pool } from './pool.js';

const MIGRATIONS = fromRoot('src/db/migrations/*.sql');
// Any constant works; it only has to be the same in every bookbell process sharing a database.
const MIGRATION_LOCK_ID = 0x626f6f6b; // "book"

/**
 * Brings the schema up to date with the numbered SQL files in src/db/migrations (postgrator).
 * An advisory lock lets an API and a worker start together against one database.
 */
export async function migrate(pool: Pool): Promise<string[]> {
  return withClient(pool, async (client) => {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      const postgrator = new Postgrator({
        migrationPattern: MIGRATIONS,
        driver: 'pg',
        schemaTable: 'schema_migrations',
        execQuery: (query) => client.query(query),
      });
      const applied = await postgrator.migrate();
      return applied.map((migration) => migration.filename);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  });
}
