import { randomUUID } from 'node:crypto';
import { createApiKey } from '../../src/db/api-keys.js';
import type { BenchInfra } from '../bench/harness.js';
import { startApiProcess, startWorkerProcess, type RoleProcess } from '../bench/processes.js';
import { BenchReceiver } from '../bench/receiver.js';
import { freePort } from '../support/free-port.js';

/** What every drill runs: the retry schedule compressed from days to seconds, loopback receivers allowed. */
export const DRILL_ENV: Record<string, string> = {
  // 0 s, 0.5 s, 1 s, then every 2 s for a few minutes (after the list the schedule would wait a day).
  DELIVERY_RETRY_SCHEDULE: ['0s', '500ms', '1s', ...Array<string>(100).fill('2s')].join(','),
  DELIVERY_WINDOW: '5m',
};

/**
 * The hostile drills' delivery rules: a window short enough that every delivery's window has passed within the drill
 * (retries every 300 ms, a 1 s timeout), long enough that a receiver answering on its third attempt is reached in it
 * while every other drill loads the machine (at 6 s one such delivery once missed it).
 */
export const HOSTILE_WINDOW_MS = 10_000;
export const HOSTILE_ENV: Record<string, string> = {
  DELIVERY_RETRY_SCHEDULE: ['0s', ...Array<string>(30).fill('300ms')].join(','),
  DELIVERY_WINDOW: `${HOSTILE_WINDOW_MS}ms`,
  DELIVERY_TIMEOUT: '1s',
};

/** Calls the drill's API with its tenant's key; anything but 2xx throws with the answer. */
export function drillApi(cluster: Pick<DrillCluster, 'apiUrl' | 'apiKey'>) {
  return async (method: string, path: string, body?: unknown): Promise<Record<string, any>> => {
    const response = await fetch(`${cluster.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, any>) : {};
  };
}

/**
 * One drill's own slice of a cluster: a tenant with a key and an endpoint at a signature-checking receiver, a
 * task queue, `npm run worker` processes and one `npm run api` process on a fixed port (so a restarted API answers
 * where the CRM already sends), all on the shared dev server and database.
 */
export interface DrillCluster {
  infra: BenchInfra;
  tenantId: string;
  apiKey: string;
  apiUrl: string;
  /** The tenant's one endpoint (at `receiver`). */
  endpointId: string;
  receiver: BenchReceiver;
  workers: RoleProcess[];
  startWorker: () => Promise<RoleProcess>;
  /** Kills (SIGKILL) or stops (SIGTERM) the API; `startApi` brings it back on the same port. */
  stopApi: (signal: NodeJS.Signals) => Promise<void>;
  startApi: () => Promise<void>;
  stop: () => Promise<void>;
}

export async function startDrillCluster(
  infra: BenchInfra,
  options: { workers: number; env?: Record<string, string> },
): Promise<DrillCluster> {
  const tenantId = `drill-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const env = infra.roleEnv(`bookbell-${tenantId}`, { ...DRILL_ENV, ...options.env });
  const receiver = new BenchReceiver();
  await receiver.listen();
  const workers: RoleProcess[] = [];
  let api: RoleProcess | undefined;
  const startWorker = async () => {
    const worker = await startWorkerProcess(env);
    workers.push(worker);
    return worker;
  };
  const startApi = async () => {
    api = await startApiProcess({ ...env, PORT: String(port) });
  };
  await Promise.all([...Array.from({ length: options.workers }, startWorker), startApi()]);
  const { key } = await createApiKey(infra.pool, tenantId, 'drill');
  const endpoint = await fetch(`http://127.0.0.1:${port}/v1/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: receiver.url,
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
    }),
  });
  if (endpoint.status !== 201) throw new Error(`endpoint registration: ${endpoint.status} ${await endpoint.text()}`);
  const { id: endpointId, secret } = (await endpoint.json()) as { id: string; secret: string };
  receiver.secret = secret;
  return {
    infra,
    tenantId,
    apiKey: key,
    apiUrl: `http://127.0.0.1:${port}`,
    endpointId,
    receiver,
    workers,
    startWorker,
    stopApi: async (signal) => {
      await api?.stop(signal);
      api = undefined;
    },
    startApi,
    stop: async () => {
      await api?.stop();
      await Promise.all(workers.map((worker) => worker.stop()));
      await receiver.close();
    },
  };
}
