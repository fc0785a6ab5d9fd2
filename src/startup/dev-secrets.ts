import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyringSchema, newKeyEntry, type KeyringKey } from '../crypto/keyring.js';
import { StartupFailure } from './failure.js';

/**
 * `npm start` with nothing set: its keys and the codec token are made on the first start and kept in DATA_DIR
 * (readable by its owner only), beside the data they protect, so the next start reads what this one wrote. Losing a
 * file loses what it sealed, as losing the variable would. Never printed.
 */
const DEV_KEYRINGS = {
  /** Seals endpoint secrets in PostgreSQL: without it, rotate the endpoints' secrets. */
  SECRET_KEYS: 'secret-keys',
  /** Encrypts payloads in Temporal: without it, the workflows already there are unreadable. */
  PAYLOAD_KEYS: 'payload-keys',
} as const;
type DevKeyring = keyof typeof DEV_KEYRINGS;

/** The development keys for `variable`, made on the first start. */
function devKeys(dataDir: string, variable: DevKeyring): KeyringKey[] {
  const file = join(dataDir, DEV_KEYRINGS[variable]);
  if (!existsSync(file)) {
    writeFileSync(file, `${newKeyEntry(`dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  }
  return readDevKeys(dataDir, variable) as KeyringKey[];
}

/** The development keys for `variable` a previous start kept in `dataDir`, if any. */
function readDevKeys(dataDir: string, variable: DevKeyring): KeyringKey[] | undefined {
  const file = join(dataDir, DEV_KEYRINGS[variable]);
  if (!existsSync(file)) return undefined;
  const parsed = KeyringSchema.safeParse(readFileSync(file, 'utf8').trim());
  if (!parsed.success) {
    throw new StartupFailure(
      `${file} is not a list of id:base64 keys (${parsed.error.issues[0]?.message}): restore it, or set ${variable}.`,
    );
  }
  return parsed.data;
}

export const devSecretKeys = (dataDir: string): KeyringKey[] => devKeys(dataDir, 'SECRET_KEYS');
/** The signing-secret keys a previous `npm start` kept in `dataDir`, if any (for `npm run keys` beside it). */
export const readDevSecretKeys = (dataDir: string): KeyringKey[] | undefined => readDevKeys(dataDir, 'SECRET_KEYS');
export const devPayloadKeys = (dataDir: string): KeyringKey[] => devKeys(dataDir, 'PAYLOAD_KEYS');

/** The codec server's token for `npm start`'s Temporal UI. */
export function devCodecToken(dataDir: string): string {
  const file = join(dataDir, 'codec-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
