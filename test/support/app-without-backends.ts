import { createApp, type AppDeps } from '../../src/api/app.js';
import type { Pool } from '../../src/db/pool.js';
import { EndpointSender } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';
import { createLogger } from '../../src/logger.js';
import { testKeyring } from './secret-keys.js';

/**
 * The API app with no database, Temporal or stream behind it: enough for what answers without them (its routes, the
 * docs pages, the OpenAPI document). Anything that reaches a backend fails. A `pool` gives it a database (reads that
 * need nothing else then answer); `more` sets other dependencies (e.g. `metricsToken`).
 */
export function appWithoutBackends(
  pool: Pool = {} as never,
  more: Partial<AppDeps> = {},
): ReturnType<typeof createApp> {
  const destinations = new DestinationPolicy();
  return createApp({
    pool,
    temporal: {} as never,
    taskQueue: 'x',
    logger: createLogger('silent'),
    endpoints: {
      destinations,
      sender: new EndpointSender(destinations),
      allowHttp: true,
      timeoutMs: 1,
      rotationGraceMs: 1,
      mailLimits: { perAddress: 1, perTenant: 1, windowMs: 1000 },
      confirmationLinkBase: () => 'http://127.0.0.1',
    },
    secrets: testKeyring(),
    stream: { hub: {} as never, heartbeatMs: 1 },
    ...more,
  });
}
