import { afterEach, describe, expect, it } from 'vitest';
import { endpointDeliveriesWorkflowId } from '../../workflows/endpoint-deliveries-contract.js';
import { eventNames, systemWithEndpoint } from '../support/endpoint-setup.js';
import { eventually } from '../support/http.js';
import type { Reply, ReceivedRequest } from '../support/receiver.js';
import type { TestSystem } from '../support/system.js';

// First attempts are made by the activity that records the events (DELIVERY_DIRECT=on, the default); what fails is
// retried by the endpoint's delivery workflow. Short retries; receivers on loopback are allowed.
const ENV = {
  DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms,300ms',
  DELIVERY_WINDOW: '60s',
  ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
};
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const setup = (reply?: (request: ReceivedRequest, index: number) => Reply) => systemWithEndpoint(ENV, cleanups, reply);

/** Whether the endpoint's delivery workflow for the book ever ran (operators would find it in the Temporal UI). */
async function deliveryWorkflowRan(system: TestSystem, endpointId: string, bookUuid: string): Promise<boolean> {
  const id = endpointDeliveriesWorkflowId(system.tenantId, endpointId, bookUuid);
  return system.client.workflow
    .getHandle(id)
    .describe()
    .then(
      () => true,
      () => false,
    );
}

describe('deliveries to a healthy endpoint', () => {
  it('arrive once each, in causal order, attempted by the recording itself with no delivery workflow', async () => {
    const { system, api, inbox, endpointId, deliveries } = await setup();
    const bookUuid = await api.createBook({ name: 'Straight through' });
    const docs = [await api.upload(bookUuid), await api.upload(bookUuid), await api.upload(bookUuid)];
    for (const docUuid of docs) await api.verify(bookUuid, docUuid, 'SUCCEEDED');
    await api.seal(bookUuid);
    await eventually(() => expect(inbox.requests).toHaveLength(5));
    const order = eventNames(inbox.requests);
    expect(order.slice(0, 3)).toEqual(Array(3).fill('VERIFICATION_COMPLETE'));
    expect(order.slice(3)).toEqual(['BOOK_COMPLETE', 'ANALYTICS_COMPLETED']);
    // An attempt is logged once its answer is in: the last may still be on its way when its request has arrived.
    await eventually(async () => {
      const listed = await deliveries();
      expect(listed).toHaveLength(5);
      for (const delivery of listed) {
        expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: [{ attempt: 1, status_code: 200 }] });
      }
    });
    expect(await deliveryWorkflowRan(system, endpointId, bookUuid)).toBe(false);
  });
});

describe('a first attempt that fails', () => {
  it('is retried by the delivery workflow with the same webhook-id, and the book’s events wait for it', async () => {
    // The first request for the first document's result fails; everything else is answered 200.
    let failed: string | undefined;
    const { system, api, inbox, endpointId, deliveries } = await setup((request) => {
      if (failed === undefined && request.json.event_name === 'VERIFICATION_COMPLETE') {
        failed = request.json.event_id as string;
        return { status: 503 };
      }
      return { status: 200 };
    });
    const bookUuid = await api.createBook({ name: 'One hiccup' });
    const first = await api.upload(bookUuid);
    await api.verify(bookUuid, first, 'SUCCEEDED');
    await eventually(() => expect(failed).toBeDefined());
    const second = await api.upload(bookUuid);
    await api.verify(bookUuid, second, 'FAILED');
    await api.seal(bookUuid);
    await eventually(async () => {
      const listed = await deliveries();
      expect(listed).toHaveLength(4);
      expect(listed.every((delivery) => delivery.status === 'DELIVERED')).toBe(true);
    });
    const repeated = inbox.requests.filter((request) => request.headers['webhook-id'] === failed);
    expect(repeated).toHaveLength(2);
    const retried = (await deliveries()).find((delivery) => delivery.event_id === failed);
    expect(retried?.attempts).toMatchObject([
      { attempt: 1, status_code: 503 },
      { attempt: 2, status_code: 200 },
    ]);
    // BOOK_COMPLETE went out only after the retried result was delivered.
    const arrivals = inbox.requests.map((request) => request.headers['webhook-id']);
    const bookComplete = inbox.requests.findIndex((request) => request.json.event_name === 'BOOK_COMPLETE');
    expect(bookComplete).toBeGreaterThan(arrivals.lastIndexOf(failed));
    expect(eventNames(inbox.requests.slice(bookComplete))).toEqual(['BOOK_COMPLETE', 'ANALYTICS_COMPLETED']);
    expect(inbox.requests).toHaveLength(5);
    expect(await deliveryWorkflowRan(system, endpointId, bookUuid)).toBe(true);
  });
});

describe('an endpoint that answers slowly', () => {
  it('gets its next deliveries from its delivery workflow, so the book’s other endpoints do not wait for it', async () => {
    // One receiver for two endpoints: /hooks answers its first request after 1.2 s, its second after 8 s; /fast at
    // once. Slow answers count as answers: delivered, not failed.
    const isFast = (request: ReceivedRequest) => request.path.endsWith('/fast');
    let slowAnswers = 0;
    const { api, inbox, deliveries } = await setup((request) => {
      if (isFast(request)) return { status: 200 };
      slowAnswers += 1;
      return { status: 200, delayMs: slowAnswers === 1 ? 1_200 : slowAnswers === 2 ? 8_000 : 0 };
    });
    const fastEndpoint = await api.call('POST', '/v1/endpoints', {
      url: `${inbox.url}/fast`,
      events: ['VERIFICATION_COMPLETE'],
    });
    expect(fastEndpoint.status).toBe(201);
    const slow = () => inbox.requests.filter((request) => !isFast(request));
    const fast = () => inbox.requests.filter(isFast);

    const bookUuid = await api.createBook({ name: 'One slow receiver' });
    const docs = [await api.upload(bookUuid), await api.upload(bookUuid), await api.upload(bookUuid)];
    await api.verify(bookUuid, docs[0] as string, 'SUCCEEDED');
    await eventually(async () => expect(await deliveries('DELIVERED')).toHaveLength(1));
    await api.verify(bookUuid, docs[1] as string, 'SUCCEEDED');
    await eventually(() => expect(slow()).toHaveLength(2));
    // The first answer took 1.2 s: the endpoint shows since when it is slow (the fast one does not).
    const shown = async () =>
      Object.fromEntries(
        ((await api.call('GET', '/v1/endpoints')).body.data as Array<{ url: string; slow_since: string | null }>).map(
          (endpoint) => [endpoint.url.endsWith('/fast') ? 'fast' : 'slow', endpoint.slow_since],
        ),
      );
    expect(await shown()).toEqual({ fast: null, slow: expect.any(String) });
    await api.verify(bookUuid, docs[2] as string, 'SUCCEEDED');
    await eventually(() => expect(fast()).toHaveLength(3));
    // The fast endpoint had the third result's event while the slow one still held its answer to the second.
    expect(slow()[1]?.answeredAt ?? Number.POSITIVE_INFINITY).toBeGreaterThan(fast()[2]?.receivedAt ?? 0);

    // The slow endpoint gets every event too, once each, in order.
    await eventually(async () => expect(await deliveries('DELIVERED')).toHaveLength(3), 30_000);
    expect(new Set(slow().map((request) => request.headers['webhook-id'])).size).toBe(3);
    expect(slow().map((request) => request.json.doc_uuid)).toEqual(docs);
    // Sealed, the book's last two events are answered at once: the endpoint is no longer slow.
    await api.seal(bookUuid);
    await eventually(async () => expect(await deliveries('DELIVERED')).toHaveLength(5), 30_000);
    await eventually(async () => expect(await shown()).toEqual({ fast: null, slow: null }));
  });
});

describe('an endpoint paused while a first attempt is in flight', () => {
  it('gets nothing more from the recording: the rest waits HELD and goes out once, when it is resumed', async () => {
    // BOOK_COMPLETE's request is answered after 1.5 s, and the endpoint paused meanwhile: ANALYTICS_COMPLETED, which
    // the same recording would send next, must wait.
    const { api, inbox, endpointId, deliveries } = await setup((request) =>
      request.json.event_name === 'BOOK_COMPLETE' ? { status: 200, delayMs: 1_500 } : { status: 200 },
    );
    const bookUuid = await api.createBook({ name: 'Paused mid-flight' });
    const docUuid = await api.upload(bookUuid);
    await api.seal(bookUuid);
    await api.verify(bookUuid, docUuid, 'SUCCEEDED');
    await eventually(() => expect(eventNames(inbox.requests)).toEqual(['VERIFICATION_COMPLETE', 'BOOK_COMPLETE']));
    const setActive = async (active: boolean) =>
      expect((await api.call('PATCH', `/v1/endpoints/${endpointId}`, { active })).status).toBe(200);
    await setActive(false);
    const statuses = async () =>
      Object.fromEntries((await deliveries()).map((delivery) => [delivery.event_type, delivery.status]));
    // The attempt in flight got its answer; the paused endpoint was sent nothing more.
    await eventually(async () =>
      expect(await statuses()).toEqual({
        VERIFICATION_COMPLETE: 'DELIVERED',
        BOOK_COMPLETE: 'DELIVERED',
        ANALYTICS_COMPLETED: 'HELD',
      }),
    );
    expect(inbox.requests).toHaveLength(2);
    await setActive(true);
    await eventually(async () =>
      expect(await statuses()).toEqual({
        VERIFICATION_COMPLETE: 'DELIVERED',
        BOOK_COMPLETE: 'DELIVERED',
        ANALYTICS_COMPLETED: 'DELIVERED',
      }),
    );
    expect(eventNames(inbox.requests)).toEqual(['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED']);
    expect(new Set(inbox.requests.map((request) => request.headers['webhook-id'])).size).toBe(3);
  });
});
