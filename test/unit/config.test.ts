import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireClusterConfig, retentionAges } from '../../src/config.js';
import { newKeyEntry } from '../../src/crypto/keyring.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      TEMPORAL_PORT: 7233,
      TEMPORAL_UI_PORT: 8233,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'bookbell',
      DATA_DIR: '.data',
    });
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('refuses a renamed variable with its new name instead of ignoring it', () => {
    expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/8' })).toThrow(
      'WEBHOOK_ALLOWED_HOSTS: renamed to ENDPOINT_ALLOWED_HOSTS',
    );
    expect(loadConfig({ ENDPOINT_ALLOWED_HOSTS: '10.0.0.0/8' }).ENDPOINT_ALLOWED_HOSTS).toEqual(['10.0.0.0/8']);
  });

  it('reads ENDPOINT_ALLOWED_HOSTS as names, addresses and ranges, and refuses anything else', () => {
    const hosts = 'crm.internal, 10.0.0.5,fd00:1::/64 ,10.20.0.0/16,localhost,::1';
    expect(loadConfig({ ENDPOINT_ALLOWED_HOSTS: hosts }).ENDPOINT_ALLOWED_HOSTS).toEqual([
      'crm.internal',
      '10.0.0.5',
      'fd00:1::/64',
      '10.20.0.0/16',
      'localhost',
      '::1',
    ]);
    for (const bad of ['10.0.0.0/33', 'crm.internal/8', 'http://crm.internal', '10.0.0.0/x', 'crm internal']) {
      expect(() => loadConfig({ ENDPOINT_ALLOWED_HOSTS: bad }), bad).toThrow(ConfigError);
    }
  });

  it('wants a METRICS_TOKEN of 16 characters or more', () => {
    expect(loadConfig({ METRICS_TOKEN: 'scraper-token-0123456789' }).METRICS_TOKEN).toBe('scraper-token-0123456789');
    expect(loadConfig({ METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: at least 16 characters/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '', DATABASE_URL: ' ' }).DATABASE_URL).toBeUndefined();
    expect(loadConfig({ PUBLIC_URL: '' }).PUBLIC_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty', 'PORT:'],
    ['TEMPORAL_UI_PORT', '70000', 'TEMPORAL_UI_PORT:'],
    ['DATABASE_URL', 'mysql://localhost/db', 'DATABASE_URL:'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL:'],
    ['PUBLIC_URL', 'bookbell.example.com', 'PUBLIC_URL:'],
    ['PUBLIC_URL', 'ftp://bookbell.example.com', 'PUBLIC_URL:'],
    ['SECRET_KEYS', 'k1:c2hvcnQ=', 'SECRET_KEYS: key "k1" must be 32 bytes'],
  ])('names the bad variable %s', (name, value, expected) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(expected);
  });

  it.each([
    ['SECRET_ROTATION_GRACE', '31d', 'between 0s and 30d'],
    ['SECRET_ROTATION_GRACE', '999999999d', 'between 0s and 30d'],
    ['DELIVERY_TIMEOUT', '0s', 'between 1s and 90s'],
    ['DELIVERY_TIMEOUT', '3m', 'between 1s and 90s'],
    ['DELIVERY_WINDOW', '500ms', 'between 1s and 90d'],
    ['DISABLE_AFTER', '100d', 'between 1s and 90d'],
    ['DELIVERY_RETRY_SCHEDULE', '0s,5s,8d', 'between 0s and 7d'],
    ['DELIVERY_RETRY_SCHEDULE', Array.from({ length: 1001 }, () => '1s').join(','), 'at most 1000 delays'],
    ['DELIVERY_TIMEOUT', 'soon', 'is not a duration'],
    ['RETENTION_INTERVAL', '0s', 'between 1s and 1d'],
    ['RETENTION_INTERVAL', '2d', 'between 1s and 1d'],
    ['RETAIN_DELIVERY_ATTEMPTS', '500ms', 'between 1s and 3650d'],
    ['RETAIN_CHANGE_LOG', '3651d', 'between 1s and 3650d'],
    ['RETAIN_OPERATIONAL_EVENTS', '0s', 'between 1s and 3650d'],
    ['RETAIN_FINISHED_BOOKS', '3651d', 'between 1s and 3650d'],
    ['RETAIN_FINISHED_BOOKS', 'forever', 'is not a duration'],
    ['IDEMPOTENCY_KEY_TTL', '31d', 'between 1s and 30d'],
    ['IDEMPOTENCY_KEY_TTL', '0s', 'between 1s and 30d'],
  ])(
    'refuses %s=%s, which what holds it cannot: the message names the variable and the bounds',
    (name, value, bound) => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(`${name}: `);
      expect(() => loadConfig({ [name]: value })).toThrow(bound);
    },
  );

  it('takes durations at their bounds', () => {
    const config = loadConfig({
      SECRET_ROTATION_GRACE: '30d',
      DELIVERY_TIMEOUT: '90s',
      DELIVERY_WINDOW: '1s',
      DISABLE_AFTER: '90d',
      DELIVERY_RETRY_SCHEDULE: '0s,7d',
    });
    expect(config).toMatchObject({
      SECRET_ROTATION_GRACE: 30 * 86_400_000,
      DELIVERY_TIMEOUT: 90_000,
      DELIVERY_WINDOW: 1000,
      DISABLE_AFTER: 90 * 86_400_000,
      DELIVERY_RETRY_SCHEDULE: [0, 7 * 86_400_000],
    });
  });

  it('keeps rows for the documented retention ages unless told otherwise, and takes ages at their bounds', () => {
    expect(retentionAges(loadConfig({}))).toEqual({
      deliveryAttemptsMs: 30 * 86_400_000,
      idempotencyKeysMs: 86_400_000,
      changeLogMs: 3 * 86_400_000,
      operationalEventsMs: 90 * 86_400_000,
      finishedBooksMs: 90 * 86_400_000,
    });
    expect(loadConfig({}).RETENTION_INTERVAL).toBe(3_600_000);
    const bounds = loadConfig({
      RETENTION_INTERVAL: '1s',
      RETAIN_DELIVERY_ATTEMPTS: '1s',
      RETAIN_CHANGE_LOG: '3650d',
      RETAIN_OPERATIONAL_EVENTS: '1s',
      RETAIN_FINISHED_BOOKS: '3650d',
      IDEMPOTENCY_KEY_TTL: '30d',
    });
    expect(retentionAges(bounds)).toEqual({
      deliveryAttemptsMs: 1000,
      idempotencyKeysMs: 30 * 86_400_000,
      changeLogMs: 3650 * 86_400_000,
      operationalEventsMs: 1000,
      finishedBooksMs: 3650 * 86_400_000,
    });
    expect(bounds.RETENTION_INTERVAL).toBe(1000);
  });

  it('single-role entry points require a cluster and say which variables are missing', () => {
    expect(() => requireClusterConfig(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toThrow(
      /DATABASE_URL: required for this role/,
    );
    const cluster = { TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgres://u@db/bookbell' };
    // Every process must seal and open secrets with the same keys: a role cannot make one up.
    expect(() => requireClusterConfig(loadConfig(cluster))).toThrow(
      /SECRET_KEYS: required for this role \(the same in every process, e\.g\. SECRET_KEYS=k1:\$\(openssl rand -base64 32\)\)/,
    );
    expect(() => requireClusterConfig(loadConfig({ ...cluster, SECRET_KEYS: newKeyEntry('k1') }))).toThrow(
      /PAYLOAD_KEYS: required for this role \(the same in every process, .*: they encrypt tenant data in Temporal\)/,
    );
    const both = requireClusterConfig(
      loadConfig({ ...cluster, SECRET_KEYS: newKeyEntry('k1'), PAYLOAD_KEYS: newKeyEntry('p1') }),
    );
    expect(both.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(both.SECRET_KEYS.map((key) => key.id)).toEqual(['k1']);
    expect(both.PAYLOAD_KEYS.map((key) => key.id)).toEqual(['p1']);
  });

  it('reads the payload keys and the codec server settings', () => {
    expect(() => loadConfig({ PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toThrow(/PAYLOAD_KEYS: key "k1" must be 32 bytes/);
    expect(() => loadConfig({ CODEC_TOKEN: 'short' })).toThrow(/CODEC_TOKEN: must be at least 32 characters/);
    expect(() => loadConfig({ CODEC_CORS_ORIGINS: 'not an origin' })).toThrow(/CODEC_CORS_ORIGINS: "not an origin"/);
    expect(loadConfig({ CODEC_CORS_ORIGINS: 'https://temporal.example.com/, http://localhost:8233' })).toMatchObject({
      CODEC_CORS_ORIGINS: ['https://temporal.example.com', 'http://localhost:8233'],
      CODEC_PORT: 8234,
    });
  });
});
