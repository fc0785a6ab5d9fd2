import { describe, expect, it } from 'vitest';
import { Keyring, KeyringSchema, newKeyEntry, UnknownKeyError } from '../../src/crypto/keyring.js';

const ring = (text: string) => new Keyring(KeyringSchema.parse(text));

describe('keyring', () => {
  it('opens what it sealed, and values sealed under an older key after a rotation', () => {
    const old = newKeyEntry('k1');
    const before = ring(old).seal(Buffer.from('statement 1'), 'row-1');
    const rotated = ring(`${newKeyEntry('k2')},${old}`);
    const after = rotated.seal(Buffer.from('statement 2'), 'row-2');
    expect(after.keyId).toBe('k2');
    expect(rotated.open(before.keyId, before.sealed, 'row-1').toString()).toBe('statement 1');
    expect(rotated.open(after.keyId, after.sealed, 'row-2').toString()).toBe('statement 2');
    expect(after.sealed.includes(Buffer.from('statement'))).toBe(false);
  });

  it('refuses an altered value, another context and an unknown key', () => {
    const keys = ring(newKeyEntry('k1'));
    const { keyId, sealed } = keys.seal(Buffer.from('secret'), 'row-1');
    expect(() => keys.open(keyId, sealed, 'row-2')).toThrow();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    expect(() => keys.open(keyId, altered, 'row-1')).toThrow();
    expect(() => keys.open('k9', sealed, 'row-1')).toThrow(UnknownKeyError);
  });

  it('refuses malformed configuration with a sentence', () => {
    expect(KeyringSchema.safeParse('k1:c2hvcnQ=').error?.issues[0]?.message).toMatch(/32 bytes/);
    expect(KeyringSchema.safeParse('no-colon').error?.issues[0]?.message).toMatch(/id:base64/);
    const entry = newKeyEntry('k1');
    expect(KeyringSchema.safeParse(`${entry},${entry}`).error?.issues[0]?.message).toMatch(/twice/);
  });
});
