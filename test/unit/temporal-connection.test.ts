import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { temporalConnectionOptions } from '../../src/temporal/connection-options.js';

const dir = mkdtempSync(join(tmpdir(), 'bookbell-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const options = (env: Record<string, string>) => temporalConnectionOptions(loadConfig(env), 'cluster:7233');

describe('connecting to an existing Temporal cluster', () => {
  it('uses plain gRPC when nothing asks for TLS (a dev server, a private network)', () => {
    expect(options({})).toEqual({ address: 'cluster:7233' });
  });

  it('uses TLS with an API key for Temporal Cloud', () => {
    expect(options({ TEMPORAL_API_KEY: 'key-123' })).toEqual({ address: 'cluster:7233', tls: true, apiKey: 'key-123' });
  });

  it('uses TLS when told to, with the system roots', () => {
    expect(options({ TEMPORAL_TLS: 'true' })).toEqual({ address: 'cluster:7233', tls: true });
  });

  it('presents a client certificate (mTLS), trusts a given CA and checks a given server name', () => {
    const env = {
      TEMPORAL_TLS_CERT: file('client.pem', 'CERT'),
      TEMPORAL_TLS_KEY: file('client.key', 'KEY'),
      TEMPORAL_TLS_CA: file('ca.pem', 'CA'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    };
    const { tls } = options(env);
    expect(tls).toEqual({
      clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
      serverRootCACertificate: Buffer.from('CA'),
      serverNameOverride: 'temporal.internal',
    });
  });

  it('refuses half a certificate pair, naming the missing variable', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/etc/client.pem' })).toThrow(
      'TEMPORAL_TLS_KEY: required when TEMPORAL_TLS_CERT is set',
    );
  });

  it('refuses TEMPORAL_TLS=false with an API key', () => {
    expect(() => loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'key' })).toThrow(
      'TEMPORAL_TLS: cannot be false',
    );
  });

  it('names the variable of a certificate file it cannot read', () => {
    expect(() => options({ TEMPORAL_TLS_CA: join(dir, 'missing.pem') })).toThrow(/^TEMPORAL_TLS_CA: cannot read/);
  });
});
