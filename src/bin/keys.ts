// `npm run keys -- create --tenant acme [--name "CRM prod"] [--scope read|full]` | `list [--tenant acme]` |
// `revoke <key id>` | `reseal`
// Manages API keys in DATABASE_URL, or in the embedded PostgreSQL of a running `npm start`; `reseal` seals every
// endpoint secret and stored idempotent answer again under the first key of SECRET_KEYS (see docs/security.md).
import { parseArgs } from 'node:util';
import { isSet, loadConfig } from '../config.js';
import { Keyring } from '../crypto/keyring.js';
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey, type ApiKeyScope } from '../db/api-keys.js';
import { embeddedDatabaseUrl } from '../db/embedded-postgres.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { resealSecrets } from '../db/sealing.js';
import { createLogger } from '../logger.js';
import { fromRoot } from '../paths.js';
import { checkDatabase } from '../startup/database-check.js';
import { rememberedPorts } from '../startup/ports.js';
import { readDevSecretKeys } from '../startup/dev-secrets.js';
import { exitOnError } from './shutdown.js';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string', default: 'full' } },
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
      if (!API_KEY_SCOPES.includes(values.scope as ApiKeyScope)) {
        throw new Error('--scope is "read" (GET and HEAD only) or "full" (everything, the default)');
      }
      const { key, row } = await createApiKey(pool, values.tenant, values.name, values.scope as ApiKeyScope);
      console.log(
        `Created key ${row.id} (${row.prefix}…, scope ${row.scope}) for tenant ${row.tenant_id}. It is shown once:`,
      );
      console.log(key);
    } else if (command === 'list') {
      for (const row of await listApiKeys(pool, values.tenant)) {
        const state = row.revoked_at ? `revoked ${row.revoked_at.toISOString()}` : 'active';
        console.log(`${row.id}  ${row.tenant_id}  ${row.prefix}…  ${row.scope}  ${row.name ?? ''}  ${state}`);
      }
    } else if (command === 'revoke' && id) {
      if (!(await revokeApiKey(pool, id))) throw new Error(`no active key ${id}`);
      console.log(`Revoked key ${id}.`);
    } else if (command === 'reseal') {
      const keys =
        config.SECRET_KEYS ?? (config.DATABASE_URL ? undefined : readDevSecretKeys(fromRoot(config.DATA_DIR)));
      if (!keys) throw new Error('SECRET_KEYS is not set: reseal needs the keys the API and the workers use');
      const keyring = new Keyring(keys);
      const counts = await resealSecrets(pool, keyring);
      console.log(
        `Sealed under key "${keyring.activeId}": ${counts.endpoints} endpoints' secrets, ${counts.idempotentResponses} stored idempotent answers. ` +
          'Every secret is sealed under it now: the other keys can leave SECRET_KEYS.',
      );
    } else {
      throw new Error(
        'usage: npm run keys -- create --tenant <tenant> [--name <name>] [--scope read|full] | list [--tenant <tenant>] | ' +
          'revoke <key id> | reseal',
      );
    }
  } finally {
    await pool.end();
  }
}

main().catch(exitOnError);
