import { createHash } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { Keyring, KeyringSchema, newKeyEntry, UnknownKeyError } from '../../src/crypto/keyring.js';
import {
  COMPRESS_FROM_BYTES,
  COMPRESSED_ENCODING,
  ENCRYPTED_ENCODING,
  encryptedWith,
  EncryptionCodec,
} from '../../src/temporal/payload-codec.js';
import type { BookWorkflowInput } from '../../workflows/book-model.js';
import { applyBookInput, initialBookState } from '../../workflows/book-state.js';
import { nextRunInput } from '../../workflows/next-run.js';

const codec = (keys: string) => new EncryptionCodec(new Keyring(KeyringSchema.parse(keys)));
const json = (value: unknown): Payload => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});
const text = (payload: Payload | undefined) => Buffer.from(payload?.data ?? []).toString();
const encoding = (payload: Payload | undefined) => Buffer.from(payload?.metadata?.encoding ?? []).toString();
/** Temporal warns of a payload from this size on (the limit is 2 MB). */
const TEMPORAL_WARNS_AT = 512 * 1024;

/** What a book of `size` documents, each verified, hands its next run: the largest payload bookbell writes. */
function nextRunOfBook(size: number): BookWorkflowInput {
  const at = '2026-12-06T10:00:00.000Z';
  // Random-looking ids, as real ones are (hex compresses to about half, not to nothing).
  const uuid = (n: number) => {
    const hex = createHash('sha256').update(String(n)).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  const input: BookWorkflowInput = {
    tenantId: 'acme-lending',
    bookUuid: uuid(0),
    name: 'Q3',
    metadata: {},
    createdAt: at,
  };
  const state = initialBookState(input);
  for (let n = 1; n <= size; n += 1) applyBookInput(state, { type: 'upload', docUuid: uuid(n) }, at);
  for (let n = 1; n <= size; n += 1) {
    const result = n % 10 === 0 ? 'FAILED' : 'SUCCEEDED';
    applyBookInput(
      state,
      { type: 'verification', docUuid: uuid(n), result, reason: n % 10 === 0 ? 'Image unreadable' : undefined },
      at,
    );
  }
  return nextRunInput(input, state, []);
}

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

  it('compresses a large payload before sealing it: a 10,000-document book’s next run stays under 512 KB', async () => {
    const k1 = newKeyEntry('k1');
    const payload = defaultPayloadConverter.toPayload(nextRunOfBook(10_000));
    expect(payload.data!.length).toBeGreaterThan(TEMPORAL_WARNS_AT); // what Temporal warned of before
    const [sealed] = await codec(k1).encode([payload]);
    expect(encoding(sealed)).toBe(COMPRESSED_ENCODING);
    expect(encryptedWith(sealed!)).toBe('k1');
    expect(sealed!.data!.length).toBeLessThan(TEMPORAL_WARNS_AT / 2);
    const [opened] = await codec(k1).decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(nextRunOfBook(10_000));
  });

  it('leaves payloads under the threshold uncompressed, and opens both kinds after a key rotation', async () => {
    const k1 = newKeyEntry('k1');
    const small = json('x'.repeat(COMPRESS_FROM_BYTES - 100));
    const large = json('x'.repeat(COMPRESS_FROM_BYTES));
    const sealed = await codec(k1).encode([small, large]);
    expect(sealed.map(encoding)).toEqual([ENCRYPTED_ENCODING, COMPRESSED_ENCODING]);
    const rotated = codec(`${newKeyEntry('k2')},${k1}`);
    expect((await rotated.decode(sealed)).map(text)).toEqual([text(small), text(large)]);
  });

  it('refuses an altered compressed payload before inflating it', async () => {
    const k1 = newKeyEntry('k1');
    const [sealed] = await codec(k1).encode([json('y'.repeat(COMPRESS_FROM_BYTES * 2))]);
    const altered = Buffer.from(sealed!.data!);
    altered[40]! ^= 1;
    await expect(codec(k1).decode([{ ...sealed, data: altered }])).rejects.toThrow();
  });
});
