import { Keyring, KeyringSchema } from '../../src/crypto/keyring.js';

/**
 * SECRET_KEYS of every test system and the processes tests spawn: one fixed key, so an API in the test process and a
 * worker in another open each other's sealed secrets. Tests never share it with anything beyond loopback.
 */
export const TEST_SECRET_KEYS = `test:${Buffer.alloc(32, 7).toString('base64')}`;

export const testKeyring = () => new Keyring(KeyringSchema.parse(TEST_SECRET_KEYS));
