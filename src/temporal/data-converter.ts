import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config.js';
import { Keyring } from '../crypto/keyring.js';
import { StartupFailure } from '../startup/failure.js';
import { EncryptionCodec } from './payload-codec.js';
import { failureConverterPath } from './workflow-files.js';

/** The keyring of PAYLOAD_KEYS; a role without it refuses to start (it could neither write nor read books). */
export function payloadKeyring(config: Pick<Config, 'PAYLOAD_KEYS'>): Keyring {
  if (!config.PAYLOAD_KEYS) {
    throw new StartupFailure(
      'PAYLOAD_KEYS is not set: give every role the same keys to encrypt tenant data in Temporal, e.g. ' +
        'PAYLOAD_KEYS=k1:$(openssl rand -base64 32) (docs/security.md).',
    );
  }
  return new Keyring(config.PAYLOAD_KEYS);
}

/**
 * The one data converter of every Temporal client and worker bookbell runs: payloads are encrypted on their way to
 * the server (codecs run outside the workflow sandbox, so the bundle's payload converter stays the default), failures'
 * messages and stack traces with them.
 */
export function bookbellDataConverter(keyring: Keyring): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keyring)], failureConverterPath: failureConverterPath() };
}

/** `bookbellDataConverter` of the configuration's PAYLOAD_KEYS. */
export function dataConverterOf(config: Pick<Config, 'PAYLOAD_KEYS'>): DataConverter {
  return bookbellDataConverter(payloadKeyring(config));
}
