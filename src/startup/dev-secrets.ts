import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyringSchema, newKeyEntry, type KeyringKey } from '../crypto/keyring.js';
import { StartupFailure } from './failure.js';

/**
 * `npm start` with nothing set: the payload key and the codec token are made on the first start and kept in DATA_DIR
 * (readable by its owner only), so the Temporal histories it wrote stay readable on the next start. Never printed.
 */
export function devPayloadKeys(dataDir: string): KeyringKey[] {
  const file = join(dataDir, 'payload-keys');
  const text = remembered(file, () => newKeyEntry(`dev-${new Date().toISOString().slice(0, 10)}`));
  const parsed = KeyringSchema.safeParse(text);
  if (!parsed.success) {
    throw new StartupFailure(
      `${file} does not hold keys in PAYLOAD_KEYS' form (id:base64): restore it, or set PAYLOAD_KEYS ` +
        '(deleting it leaves the workflows already in Temporal unreadable).',
    );
  }
  return parsed.data;
}

export function devCodecToken(dataDir: string): string {
  return remembered(join(dataDir, 'codec-token'), () => randomBytes(32).toString('base64url'));
}

function remembered(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
