import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyringSchema, newKeyEntry, type KeyringKey } from '../crypto/keyring.js';
import { StartupFailure } from './failure.js';

const FILE = 'secret-keys';

/**
 * `npm start` without SECRET_KEYS: a development key made on the first start and kept in DATA_DIR/secret-keys
 * (readable by its owner only), beside the database whose secrets it seals. Losing the file loses those secrets, as
 * losing SECRET_KEYS would: rotate the endpoints' secrets then.
 */
export function devSecretKeys(dataDir: string): KeyringKey[] {
  const remembered = readDevSecretKeys(dataDir);
  if (remembered) return remembered;
  const entry = newKeyEntry(`dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`);
  writeFileSync(join(dataDir, FILE), `${entry}\n`, { mode: 0o600, flag: 'wx' });
  return KeyringSchema.parse(entry);
}

/** The keys a previous `npm start` kept in `dataDir`, if any (for `npm run keys` beside it). */
export function readDevSecretKeys(dataDir: string): KeyringKey[] | undefined {
  const file = join(dataDir, FILE);
  if (!existsSync(file)) return undefined;
  const parsed = KeyringSchema.safeParse(readFileSync(file, 'utf8').trim());
  if (!parsed.success) {
    throw new StartupFailure(
      `${file} is not a list of id:base64 keys (${parsed.error.issues[0]?.message}): restore it, or set SECRET_KEYS.`,
    );
  }
  return parsed.data;
}
