// `npm run keys -- create --tenant acme [--name "CRM prod"]` | `list [--tenant acme]` | `revoke <key id>`
// Manages API keys in DATABASE_URL, or in the embedded PostgreSQL of a running `npm start`.
import { parseArgs } from 'node:util';
import { isSet, loadConfig } from '../config.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../db/api-keys.js';
import { embeddedDatabaseUrl } from '../db/embedded-postgres.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { fromRoot } from '../paths.js';
import { checkDatabase } from '../startup/database-check.js';
import { rememberedPorts } from '../startup/ports.js';
import { exitOnError } from './shutdown.js';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, name: { type: 'string' } },
  });
  const [command, id] = positionals;
  const config = loadConfig();
  // Beside a running `npm start`: its PostgreSQL is on the port that start chose and remembered.
  const port = isSet('EMBEDDED_PG_PORT')
    ? config.EMBEDDED_PG_PORT
    : (rememberedPorts(fromRoot(config.DATA_DIR)).EMBEDDED_PG_PORT ?? config.EMBEDDED_PG_PORT);
  const url = config.DATABASE_URL ?? embeddedDatabaseUrl(port);
  await checkDatabase(
    url,
    config.DATABASE_URL
      ? undefined
      : 'run `npm start` in this checkout first (keys live in its PostgreSQL), or set DATABASE_URL',
  );
  const pool = createPool(url, createLogger('warn'), 1);
  try {
    await migrate(pool);
    if (command === 'create') {
      if (!values.tenant || !TENANT.test(values.tenant)) {
        throw new Error('--tenant is required: lowercase letters, digits, "-" and "_", up to 63 characters');
      }
      const { key, row } = await createApiKey(pool, values.tenant, values.name);
      console.log(`Created key ${row.id} (${row.prefix}…) for tenant ${row.tenant_id}. It is shown once:`);
      console.log(key);
    } else if (command === 'list') {
      for (const row of await listApiKeys(pool, values.tenant)) {
        const state = row.revoked_at ? `revoked ${row.revoked_at.toISOString()}` : 'active';
        console.log(`${row.id}  ${row.tenant_id}  ${row.prefix}…  ${row.name ?? ''}  ${state}`);
      }
    } else if (command === 'revoke' && id) {
      if (!(await revokeApiKey(pool, id))) throw new Error(`no active key ${id}`);
      console.log(`Revoked key ${id}.`);
    } else {
      throw new Error(
        'usage: npm run keys -- create --tenant <tenant> [--name <name>] | list [--tenant <tenant>] | revoke <key id>',
      );
    }
  } finally {
    await pool.end();
  }
}

main().catch(exitOnError);
