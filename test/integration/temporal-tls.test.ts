import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { temporalConnectionOptions } from '../../src/temporal/connection-options.js';
import { crm } from '../support/books.js';
import { startTestSystem } from '../support/system.js';
import { makeCertificates, startTlsProxy } from '../support/tls-proxy.js';

// A secured cluster as the roles meet it: TLS with a private CA, and a client certificate the server checks.
let certs: ReturnType<typeof makeCertificates>;
let proxy: Awaited<ReturnType<typeof startTlsProxy>>;

beforeAll(async () => {
  certs = makeCertificates();
  proxy = await startTlsProxy(inject('temporalAddress'), certs);
});
afterAll(async () => {
  await proxy?.close();
  certs?.remove();
});

describe('a Temporal cluster behind TLS with client certificates', () => {
  it('runs a book end to end through the API and worker roles over mutual TLS', async () => {
    const system = await startTestSystem({
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
    });
    try {
      const api = crm(system);
      const bookUuid = await api.createBook({ name: 'Over TLS' });
      await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
      await api.seal(bookUuid);
      const book = await api.finished(bookUuid);
      expect(book.document_counts).toMatchObject({ total: 1, verified: 1 });
      // The worker's two connections, the API's and the test's own client all went through the proxy, verified.
      expect(proxy.stats.authorized).toBeGreaterThanOrEqual(4);
    } finally {
      await system.stop();
    }
  });

  it('is refused without a client certificate', async () => {
    const config = loadConfig({ TEMPORAL_TLS_CA: certs.ca });
    const options = temporalConnectionOptions(config, proxy.address);
    await expect(Connection.connect({ ...options, connectTimeout: '3s' })).rejects.toThrow();
  });
});
