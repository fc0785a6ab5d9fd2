import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { includeTemporalCoreMetrics, metricsText } from '../../src/metrics/exposition.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import { appWithoutBackends } from '../support/app-without-backends.js';
import { freePort } from '../support/free-port.js';

const CORE_TEXT =
  '# HELP temporal_num_pollers Current number of active pollers per queue type\n' +
  '# TYPE temporal_num_pollers gauge\n' +
  'temporal_num_pollers{poller_type="workflow_task",task_queue="bookbell"} 2\n';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stand-in for the SDK core's Prometheus exporter on loopback. */
async function coreExporter(): Promise<string> {
  const server: Server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end(CORE_TEXT),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
}

describe('metrics exposition', () => {
  it("appends the Temporal SDK core's metrics to the process's own", async () => {
    includeTemporalCoreMetrics(await coreExporter());
    const text = await metricsText();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text.endsWith(CORE_TEXT)).toBe(true);
  });

  it('still answers, with a comment saying why, when the core exporter is unreachable', async () => {
    includeTemporalCoreMetrics(`http://127.0.0.1:${await freePort()}/metrics`);
    const text = await metricsText();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).not.toContain('temporal_num_pollers');
    expect(text).toMatch(/^# Temporal SDK metrics unavailable: .+$/m);
  });

  it('serves /metrics on a port of its own for the worker role, and nothing else', async () => {
    includeTemporalCoreMetrics(await coreExporter());
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, logger: createLogger('silent') });
    cleanups.push(server.stop);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('temporal_num_pollers{poller_type="workflow_task",task_queue="bookbell"} 2');
    expect((await fetch(new URL('/', server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
  });

  describe('METRICS_TOKEN', () => {
    const token = 'scraper-token-0123456789';
    const wrong = ['', 'Bearer scraper-token-0123456788', 'Bearer scraper-token-01234567890', token, `Basic ${token}`];

    async function expectGuarded(url: string) {
      for (const authorization of wrong) {
        const refused = await fetch(url, { headers: authorization ? { authorization } : {} });
        expect(refused.status, authorization).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
        expect(await refused.text()).not.toContain('process_cpu');
      }
      const scraped = await fetch(url, { headers: { authorization: `bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('process_cpu_user_seconds_total');
    }

    it("guards the worker's METRICS_PORT", async () => {
      const server = await startMetricsServer({ host: '127.0.0.1', port: 0, logger: createLogger('silent'), token });
      cleanups.push(server.stop);
      await expectGuarded(server.url);
    });

    it("guards the API's /metrics, and nothing else of the API", async () => {
      const server = appWithoutBackends(undefined, { metricsToken: token }).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
      const address = server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      await expectGuarded(`${base}/metrics`);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });

    it('is open to anyone without a token', async () => {
      const server = await startMetricsServer({ host: '127.0.0.1', port: 0, logger: createLogger('silent') });
      cleanups.push(server.stop);
      expect((await fetch(server.url)).status).toBe(200);
    });
  });
});
