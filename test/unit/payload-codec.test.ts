import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { Keyring, KeyringSchema, newKeyEntry, UnknownKeyError } from '../../src/crypto/keyring.js';
import { encryptedWith, EncryptionCodec } from '../../src/temporal/payload-codec.js';

const codec = (keys: string) => new EncryptionCodec(new Keyring(KeyringSchema.parse(keys)));
const json = (value: unknown): Payload => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});
const text = (payload: Payload | undefined) => Buffer.from(payload?.data ?? []).toString();

describe('the payload codec', () => {
  it('seals the whole payload, metadata included, under the active key, and opens it again', async () => {
    const k1 = newKeyEntry('k1');
    const [sealed] = await codec(k1).encode([json({ name: 'Q3 statements' })]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(encryptedWith(sealed!)).toBe('k1');
    expect(Buffer.from(sealed!.data!).includes('Q3')).toBe(false);
    expect(Buffer.from(sealed!.data!).includes('json/plain')).toBe(false);
    const [opened] = await codec(k1).decode([sealed!]);
    expect(text(opened)).toBe('{"name":"Q3 statements"}');
    expect(Buffer.from(opened!.metadata!.encoding!).toString()).toBe('json/plain');
  });

  it('passes through payloads it did not seal (histories recorded before encryption)', async () => {
    const plain = [json({ a: 1 }), { metadata: { encoding: Buffer.from('binary/null') } }];
    expect(await codec(newKeyEntry('k1')).decode(plain)).toEqual(plain);
  });

  it('opens payloads sealed under an older key after a rotation, and seals under the new one', async () => {
    const k1 = newKeyEntry('k1');
    const [old] = await codec(k1).encode([json('before')]);
    const rotated = codec(`${newKeyEntry('k2')},${k1}`);
    expect(text((await rotated.decode([old!]))[0])).toBe('"before"');
    const [fresh] = await rotated.encode([json('after')]);
    expect(encryptedWith(fresh!)).toBe('k2');
  });

  it('refuses a payload under a key it does not hold, or altered', async () => {
    const [sealed] = await codec(newKeyEntry('k1')).encode([json('secret')]);
    await expect(codec(newKeyEntry('k2')).decode([sealed!])).rejects.toThrow(UnknownKeyError);
    const k1 = newKeyEntry('k1');
    const [mine] = await codec(k1).encode([json('secret')]);
    const altered = Buffer.from(mine!.data!);
    altered[20]! ^= 1;
    await expect(codec(k1).decode([{ ...mine, data: altered }])).rejects.toThrow();
  });
});
