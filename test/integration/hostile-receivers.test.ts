import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import {
  expectedStatus,
  HOSTILE_BEHAVIOURS,
  startHostileReceiver,
  type HostileReceiver,
} from '../support/hostile-receivers.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * Every behaviour of test/support/hostile-receivers.ts against the real delivery path: each ends in the outcome the
 * delivery rules (docs/endpoints.md) give, within its window, with every attempt logged (a bounded, readable snippet), and nothing that was
 * answered with success is ever sent again. (Once, a 2xx with NUL in its body made the attempt log fail, and the same
 * event went out every minute, forever.)
 */
let system: TestSystem;
let api: ReturnType<typeof crm>;
const receivers: HostileReceiver[] = [];
const endpoints = new Map<string, string>(); // behaviour → endpoint id

beforeAll(async () => {
  system = await startTestSystem({
    DELIVERY_RETRY_SCHEDULE: ['0s', ...Array<string>(30).fill('300ms')].join(','),
    // Short enough to see behaviours that never succeed end, long enough that three quick attempts fit on a loaded
    // machine (at 6 s, "503 twice, then 200" once ran out of window while the whole suite ran beside five others).
    DELIVERY_WINDOW: '12s',
    DELIVERY_TIMEOUT: '1s',
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
  });
  api = crm(system);
  for (const behaviour of HOSTILE_BEHAVIOURS) {
    const receiver = await startHostileReceiver(behaviour);
    receivers.push(receiver);
    const created = await api.call('POST', '/v1/endpoints', { url: receiver.url, events: ['BOOK_COMPLETE'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    endpoints.set(behaviour.name, created.body.id as string);
  }
  const bookUuid = await api.createBook({ name: 'Hostile receivers' });
  await api.seal(bookUuid);
  await api.finished(bookUuid);
}, 60_000);
afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await system?.stop();
});

async function deliveryOf(endpointId: string) {
  const [delivery] = (await api.call('GET', `/v1/endpoints/${endpointId}/deliveries`)).body.data;
  return delivery as { status: string; attempts: Array<{ response_snippet: string | null }> } | undefined;
}

describe('receivers that misbehave on purpose', () => {
  it.each(HOSTILE_BEHAVIOURS.map((behaviour) => [behaviour.name, behaviour] as const))(
    '%s',
    async (_name, behaviour) => {
      const endpointId = endpoints.get(behaviour.name) as string;
      const delivery = await eventually(async () => {
        const found = await deliveryOf(endpointId);
        expect(found?.status).not.toBe('PENDING');
        return found;
      }, 30_000);
      expect(delivery?.status).toBe(expectedStatus(behaviour));
      const receiver = receivers.find((r) => r.behaviour === behaviour) as HostileReceiver;
      // Nothing answered with success comes again, even a while later.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(receiver.repeatsAfterSuccess).toBe(0);
      if (behaviour.successAt) expect([...receiver.requests.values()]).toEqual([behaviour.successAt]);
      const attempts = delivery?.attempts ?? [];
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      for (const { response_snippet: snippet } of attempts) {
        expect((snippet ?? '').length).toBeLessThanOrEqual(2049);
        // eslint-disable-next-line no-control-regex -- looking for exactly those
        expect(snippet ?? '').not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/);
      }
    },
  );
});
