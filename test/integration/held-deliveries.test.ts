import { afterEach, describe, expect, it } from 'vitest';
import { eventNames, systemWithEndpoint } from '../support/endpoint-setup.js';
import { eventually } from '../support/http.js';
import type { ReceivedRequest, startReceiver } from '../support/receiver.js';

// Short retries, and an endpoint failing for a second is disabled; receivers on loopback are allowed.
const ENV = {
  DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms',
  DELIVERY_WINDOW: '60s',
  DISABLE_AFTER: '1s',
  ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
};
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(reply?: Parameters<typeof startReceiver>[0]) {
  const setUp = await systemWithEndpoint(ENV, cleanups, reply);
  const setActive = async (active: boolean) => {
    const response = await setUp.api.call('PATCH', `/v1/endpoints/${setUp.endpointId}`, { active });
    expect(response.status).toBe(200);
    return response.body as { active: boolean; disabled_reason: string | null };
  };
  return { ...setUp, setActive };
}

/** Every event reached the receiver exactly once (one request each, under its own webhook-id). */
function expectEachOnce(requests: ReceivedRequest[]) {
  const ids = requests.map((request) => request.headers['webhook-id']);
  expect(new Set(ids).size).toBe(ids.length);
  for (const request of requests) expect(request.headers['webhook-id']).toBe(request.json.event_id);
}

describe('a paused endpoint', () => {
  it('holds the events of the pause and, resumed, receives them in causal order, each once', async () => {
    const { api, inbox, deliveries, setActive } = await setup();
    const bookUuid = await api.createBook({ name: 'Paused midway' });
    await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
    await eventually(() => expect(inbox.requests).toHaveLength(1));

    expect(await setActive(false)).toMatchObject({ active: false, disabled_reason: null });
    await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
    await api.seal(bookUuid);
    const held = await eventually(async () => {
      const listed = await deliveries('HELD');
      expect(listed.map((d) => d.event_type).sort()).toEqual([
        'ANALYTICS_COMPLETED',
        'BOOK_COMPLETE',
        'VERIFICATION_COMPLETE',
      ]);
      return listed;
    });
    for (const delivery of held) expect(delivery.finished_at).toBeNull();
    expect(inbox.requests).toHaveLength(1);

    expect(await setActive(true)).toMatchObject({ active: true });
    await eventually(async () => {
      expect((await deliveries()).map((d) => d.status)).toEqual(Array(4).fill('DELIVERED'));
    });
    expect(eventNames(inbox.requests)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expectEachOnce(inbox.requests);
  });

  it('keeps held deliveries that recover releases once the endpoint is on', async () => {
    const { system, api, inbox, endpointId, deliveries, setActive } = await setup();
    await setActive(false);
    const bookUuid = await api.createBook({ name: 'Held, then recovered' });
    await api.seal(bookUuid);
    await eventually(async () => expect(await deliveries('HELD')).toHaveLength(2));
    // Turned on without its release (by hand in the database, as an operator might): recover sends what is held.
    await system.pool.query('update endpoints set active = true where tenant_id = $1 and id = $2', [
      system.tenantId,
      endpointId,
    ]);
    const recovered = await api.call('POST', `/v1/endpoints/${endpointId}/recover`, {
      since: new Date().toISOString(),
    });
    expect(recovered.status).toBe(202);
    expect(recovered.body).toEqual({ redelivering: 2 });
    await eventually(() => expect(eventNames(inbox.requests)).toEqual(['BOOK_COMPLETE', 'ANALYTICS_COMPLETED']));
    await eventually(async () => expect((await deliveries('DELIVERED')).length).toBe(2));
    expectEachOnce(inbox.requests);
  });
});

describe('an endpoint disabled for failing', () => {
  it('holds its deliveries; re-enabled, it receives them in order, and one failure does not disable it again', async () => {
    let mode: 'down' | 'once' | 'up' = 'down';
    const { api, inbox, endpointId, deliveries, setActive } = await setup(() => {
      if (mode === 'once') {
        mode = 'up';
        return { status: 503 };
      }
      return { status: mode === 'down' ? 503 : 200 };
    });
    const bookUuid = await api.createBook({ name: 'Disabled midway' });
    await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
    await eventually(async () => {
      const endpoint = (await api.call('GET', `/v1/endpoints/${endpointId}`)).body;
      expect(endpoint).toMatchObject({
        active: false,
        disabled_reason: expect.stringContaining('failing'),
        failing_since: expect.any(String),
      });
    });
    await api.seal(bookUuid);
    await eventually(async () => expect(await deliveries('HELD')).toHaveLength(3));
    const failedBefore = inbox.requests.length;

    mode = 'once';
    // Re-enabled, it starts afresh: not failing until an attempt fails again.
    expect(await setActive(true)).toMatchObject({ active: true, disabled_reason: null, failing_since: null });
    await eventually(async () => {
      expect((await deliveries()).map((d) => d.status)).toEqual(Array(3).fill('DELIVERED'));
    });
    const after = inbox.requests.slice(failedBefore);
    // The verification failed once more (503), then went through; the rest followed it.
    expect(eventNames(after)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expectEachOnce(after.slice(1));
    // The failure after re-enabling started a streak; the success after it ended it.
    expect((await api.call('GET', `/v1/endpoints/${endpointId}`)).body).toMatchObject({
      active: true,
      failing_since: null,
    });
    const disabled = (await api.call('GET', '/v1/operational-events')).body.data;
    expect(disabled).toHaveLength(1);
  });
});
