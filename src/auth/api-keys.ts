import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'bb_';
/** `bb_` + 32 base62 characters (about 190 bits), the shape `Authorization: Bearer` carries. */
const KEY_PATTERN = /^bb_[0-9A-Za-z]{32}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function generateApiKey(): string {
  const bytes = randomBytes(32);
  return KEY_PREFIX + Array.from(bytes, (byte) => BASE62[byte % 62]).join('');
}

export function isApiKeyShaped(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What listings show of a key: enough to recognise it, never enough to use it. */
export function keyPrefix(key: string): string {
  return key.slice(0, 10);
}
