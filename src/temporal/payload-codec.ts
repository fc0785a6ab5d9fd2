import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Keyring } from '../crypto/keyring.js';

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/** The `encoding` of a payload this codec sealed; its key's id travels beside it so rotated keys still open it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

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
        const { keyId, sealed } = this.keyring.seal(PayloadMessage.encode(payload).finish());
        return {
          metadata: { encoding: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(keyId) },
          data: sealed,
        };
      }),
    );
  }

  /** Rejects when a payload's key is not in the ring or the payload was altered: a worker must not run on it. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return settled(() => payloads.map((payload) => this.decodeOne(payload)));
  }

  decodeOne(payload: Payload): Payload {
    const keyId = encryptedWith(payload);
    if (keyId === undefined) return payload;
    const opened = this.keyring.open(keyId, payload.data ?? new Uint8Array());
    return PayloadMessage.decode(opened);
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

/** The id of the key `payload` was sealed under, or undefined when it is not encrypted. */
export function encryptedWith(payload: Payload): string | undefined {
  const encoding = payload.metadata?.encoding;
  if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return undefined;
  const keyId = payload.metadata?.[KEY_ID_METADATA];
  if (!keyId) throw new Error(`an encrypted payload without ${KEY_ID_METADATA}`);
  return decoder.decode(keyId);
}
