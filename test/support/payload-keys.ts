import { Keyring, KeyringSchema, newKeyEntry } from '../../src/crypto/keyring.js';
import { bookbellDataConverter } from '../../src/temporal/data-converter.js';
import { EncryptionCodec } from '../../src/temporal/payload-codec.js';

/**
 * PAYLOAD_KEYS of this test process: a fresh key per process (each test file keeps to its own task queue and books),
 * passed to the roles it starts in-process and to the worker processes it spawns.
 */
export const TEST_PAYLOAD_KEYS = newKeyEntry('test');

/** The data converter the roles run with, for the tests' own Temporal clients and workers. */
export function testDataConverter(keys = TEST_PAYLOAD_KEYS) {
  return bookbellDataConverter(new Keyring(KeyringSchema.parse(keys)));
}

/** The codec alone, to open what the roles wrote. */
export function testCodec(keys = TEST_PAYLOAD_KEYS) {
  return new EncryptionCodec(new Keyring(KeyringSchema.parse(keys)));
}
