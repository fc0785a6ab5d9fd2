import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * AES-256-GCM under named keys. The first key seals; every key opens, so a key can be rotated in by putting a new one
 * first while older values (Temporal histories, rows) stay readable until they are re-sealed or expire.
 */
export interface KeyringKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `id:base64,id:base64` (first one seals); each key is 32 random bytes, e.g. from `openssl rand -base64 32`. */
export const KeyringSchema = z.string().transform((text, ctx): KeyringKey[] => {
  const keys: KeyringKey[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (at < 1 || !KEY_ID.test(id)) {
      ctx.addIssue({
        code: 'custom',
        message: 'each key must be "id:base64" with an id of 1-32 letters, digits, _ or -',
      });
      return z.NEVER;
    }
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)` });
      return z.NEVER;
    }
    if (keys.some((known) => known.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" is given twice` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  return keys;
});

export class UnknownKeyError extends Error {
  override name = 'UnknownKeyError';
}

export class Keyring {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly KeyringKey[]) {
    if (keys.length === 0) throw new Error('a keyring needs at least one key');
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  /** The id of the key that seals. */
  get activeId(): string {
    return this.keys[0]!.id;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * Seals under the active key: the result is iv ‖ ciphertext ‖ tag. `context` (additional data) binds the value to
   * where it belongs (a row id, say), so a sealed value moved elsewhere does not open.
   */
  seal(plaintext: Uint8Array, context?: string): { keyId: string; sealed: Buffer } {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    if (context !== undefined) cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: id, sealed: Buffer.concat([iv, body, cipher.getAuthTag()]) };
  }

  /** Opens a value sealed under any key of the ring; throws when the key is unknown or the value was altered. */
  open(keyId: string, sealed: Uint8Array, context?: string): Buffer {
    const key = this.byId.get(keyId);
    if (!key) throw new UnknownKeyError(`no key "${keyId}" in the keyring`);
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    if (context !== undefined) decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  }
}

/** A new random key in the configuration's form, for `npm start`'s remembered development keys and the docs. */
export function newKeyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}
