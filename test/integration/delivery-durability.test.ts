import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem } from '../support/system.js';
import { spawnWorkerProcess } from '../support/worker-process.js';

const env = {
  DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms',
  DELIVERY_WINDOW: '120s',
  ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
};
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `npm run worker` as its own process, on the test system's task queue. */
function spawnWorker(taskQueue: string): ChildProcess {
  const child = spawnWorkerProcess({ ...env, TEMPORAL_TASK_QUEUE: taskQueue });
  children.push(child);
  return child;
}

describe('a worker killed in the middle of deliveries', () => {
  it('loses no delivery: another worker finishes them, repeats carry the same webhook-id', async () => {
    const system = await startTestSystem(env);
    try {
      await system.stopWorker();
      const worker = spawnWorker(system.taskQueue);
      const api = crm(system);
      // A slow receiver keeps deliveries in flight when the worker dies.
      const inbox = await startReceiver(() => ({ status: 200, delayMs: 1500 }));
      await api.call('POST', '/v1/endpoints', { url: inbox.url, events: ['VERIFICATION_COMPLETE'] });
      const bookUuid = await api.createBook({ name: 'Killed mid-delivery' });
      const docs: string[] = [];
      for (let i = 0; i < 8; i++) docs.push(await api.upload(bookUuid));
      for (const docUuid of docs) await api.verify(bookUuid, docUuid, 'SUCCEEDED');
      await eventually(() => expect(inbox.requests.length).toBeGreaterThanOrEqual(3), 30_000);

      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      await system.startWorker();

      await eventually(async () => {
        const { rows } = await system.pool.query(
          `select status, count(*)::int as n from deliveries where tenant_id = $1 group by status`,
          [system.tenantId],
        );
        expect(rows).toEqual([{ status: 'DELIVERED', n: 8 }]);
      }, 60_000);
      const received = new Map<string, Set<string>>();
      for (const request of inbox.requests) {
        const ids = received.get(request.json.event_id) ?? new Set<string>();
        ids.add(String(request.headers['webhook-id']));
        received.set(request.json.event_id, ids);
      }
      expect(received.size).toBe(8);
      for (const [eventId, ids] of received) expect([...ids]).toEqual([eventId]);
      await inbox.close();
    } finally {
      await system.stop();
    }
  }, 120_000);
});
