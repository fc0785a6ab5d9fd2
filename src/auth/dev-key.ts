import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiKey, tenantOfKey } from '../db/api-keys.js';
import type { Pool } from '../db/pool.js';

export const DEV_TENANT = 'dev';

/**
 * The key `npm start` prints on every start: created for the `dev` tenant on first run and kept in the data folder
 * (readable by its owner only), so the quick start stays two commands. Revoked or lost, a new one is made.
 */
export async function ensureDevApiKey(pool: Pool, dataDir: string): Promise<string> {
  const file = join(dataDir, 'dev-api-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if ((await tenantOfKey(pool, key)) === DEV_TENANT) return key;
  }
  const { key } = await createApiKey(pool, DEV_TENANT, 'npm start');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
