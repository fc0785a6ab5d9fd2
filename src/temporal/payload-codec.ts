import { deflateSync, inflateSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Keyring } from '../crypto/keyring.js';

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/** The `encoding` of a payload this codec sealed; its key's id travels beside it so rotated keys still open it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/**
 * The `encoding` of a large payload this codec compressed (zlib) before sealing. A name of its own, so that a role
 * too old to know it passes it through undecoded and fails the task (retried once it is upgraded) instead of reading
 * compressed bytes as a payload.
 */
export const COMPRESSED_ENCODING = 'binary/encrypted-zlib';
export const KEY_ID_METADATA = 'encryption-key-id';
/**
 * Payloads from this size on are compressed: a large book's continue-as-new state (about 550 KB at 10,000 documents,
 * over the 512 KB at which Temporal warns) and lists of its documents. Smaller ones, every signal and activity of a
 * burst, are not worth the CPU.
 */
export const COMPRESS_FROM_BYTES = 64 * 1024;

const text = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts every payload bookbell hands Temporal (inputs, signals, updates, queries, results, memos, continue-as-new
 * state) under the keyring's active key: the whole payload, metadata included, so not even its encoding shows. Decode
 * passes through payloads that are not encrypted: histories recorded before encryption still replay.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settled(() =>
      payloads.map((payload) => {
        const plain = PayloadMessage.encode(payload).finish();
        // Compressed before it is sealed: ciphertext does not compress.
        const compressed = plain.length >= COMPRESS_FROM_BYTES ? deflateSync(plain) : undefined;
        const smaller = compressed !== undefined && compressed.length < plain.length;
        const { keyId, sealed } = this.keyring.seal(smaller ? compressed : plain);
        const encoding = smaller ? COMPRESSED_ENCODING : ENCRYPTED_ENCODING;
        return { metadata: { encoding: text.encode(encoding), [KEY_ID_METADATA]: text.encode(keyId) }, data: sealed };
      }),
    );
  }

  /** Rejects when a payload's key is not in the ring or the payload was altered: a worker must not run on it. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return settled(() => payloads.map((payload) => this.decodeOne(payload)));
  }

  decodeOne(payload: Payload): Payload {
    const seal = sealOf(payload);
    if (!seal) return payload;
    // Opened (and so authenticated) first: only a payload this codec sealed is ever inflated.
    const opened = this.keyring.open(seal.keyId, payload.data ?? new Uint8Array());
    return PayloadMessage.decode(seal.compressed ? inflateSync(opened) : opened);
  }
}

/** `work` as a promise: what it throws rejects it, as callers of a codec expect. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** How `payload` was sealed: under which key, and whether compressed first; undefined when it is not encrypted. */
function sealOf(payload: Payload): { keyId: string; compressed: boolean } | undefined {
  const bytes = payload.metadata?.encoding;
  const encoding = bytes ? decoder.decode(bytes) : undefined;
  if (encoding !== ENCRYPTED_ENCODING && encoding !== COMPRESSED_ENCODING) return undefined;
  const keyId = payload.metadata?.[KEY_ID_METADATA];
  if (!keyId) throw new Error(`an encrypted payload without ${KEY_ID_METADATA}`);
  return { keyId: decoder.decode(keyId), compressed: encoding === COMPRESSED_ENCODING };
}

/** The id of the key `payload` was sealed under (compressed or not), or undefined when it is not encrypted. */
export const encryptedWith = (payload: Payload): string | undefined => sealOf(payload)?.keyId;
