import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import { listenFailure } from '../startup/ports.js';
import { METRICS_CONTENT_TYPE, metricsText } from './exposition.js';
import { METRICS_CHALLENGE, METRICS_REFUSAL, metricsAuthorized } from './token.js';

/** A bare `/metrics` listener for a process without the API (the worker role, METRICS_PORT). */
export async function startMetricsServer(opts: {
  host: string;
  port: number;
  logger: Logger;
  /** METRICS_TOKEN: required as a bearer token when set. */
  token?: string | undefined;
}): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found: scrape /metrics\n');
      return;
    }
    if (!metricsAuthorized(req.headers.authorization, opts.token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': METRICS_CHALLENGE }).end(METRICS_REFUSAL);
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      (err: unknown) => {
        opts.logger.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server
      .once('error', (err) =>
        reject(listenFailure(err, { variable: 'METRICS_PORT', port: opts.port, given: true, host: opts.host })),
      )
      .listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : opts.port}/metrics`;
  opts.logger.info({ url }, 'metrics listening');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
