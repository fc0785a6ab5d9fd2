import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireClusterConfig } from '../../src/config.js';

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

  it('treats empty variables as unset', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '', DATABASE_URL: ' ' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty', 'PORT:'],
    ['TEMPORAL_UI_PORT', '70000', 'TEMPORAL_UI_PORT:'],
    ['DATABASE_URL', 'mysql://localhost/db', 'DATABASE_URL:'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL:'],
  ])('names the bad variable %s', (name, value, expected) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(expected);
  });

  it('single-role entry points require a cluster and say which variables are missing', () => {
    expect(() => requireClusterConfig(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toThrow(
      /DATABASE_URL: required for this role/,
    );
    const config = requireClusterConfig(
      loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgres://u@db/bookbell' }),
    );
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });
});
