import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { FannedOut } from '../../activities/fan-out.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { crm } from '../support/books.js';
import { freePort } from '../support/free-port.js';
import { testCodec } from '../support/payload-keys.js';
import { eventNames } from '../support/endpoint-setup.js';
import { eventually } from '../support/http.js';
import { startReceiver, type Reply } from '../support/receiver.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

// Short retries so a test sees several attempts; the real default is Svix's schedule over 3 days.
// The receivers are on loopback, which is refused unless allowed (SSRF protection).
const FAST_RETRIES = {
  DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms,300ms',
  DELIVERY_WINDOW: '60s',
  ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
};
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh tenant (so endpoints of other tests never receive this test's books) and receivers. */
async function setup() {
  const system: TestSystem = await startTestSystem(FAST_RETRIES);
  cleanups.push(system.stop);
  const api = crm(system);
  const receiver = async (reply?: Parameters<typeof startReceiver>[0]) => {
    const started = await startReceiver(reply);
    cleanups.push(started.close);
    return started;
  };
  const register = async (body: Record<string, unknown>) => {
    const response = await api.call('POST', '/v1/endpoints', {
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
      ...body,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as { id: string; secret: string };
  };
  /** A book with `docs` verified documents, sealed. */
  const runBook = async (docs: number) => {
    const bookUuid = await api.createBook({ name: 'Webhook book' });
    for (let i = 0; i < docs; i++) await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
    await api.seal(bookUuid);
    return bookUuid;
  };
  const deliveries = async (endpointId: string) =>
    (await api.call('GET', `/v1/endpoints/${endpointId}/deliveries`)).body.data as Array<any>;
  return { system, api, receiver, register, runBook, deliveries };
}

describe('endpoints', () => {
  it('registers, lists, updates and deletes endpoints, refusing bad input by field', async () => {
    const { api, register } = await setup();
    const created = await register({ url: 'http://127.0.0.1:9/a', description: 'CRM inbox' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({ signature_scheme: 'standard', active: true, description: 'CRM inbox' });

    const duplicate = await api.call('POST', '/v1/endpoints', {
      url: 'http://127.0.0.1:9/a',
      events: ['BOOK_COMPLETE'],
    });
    expect(duplicate.status).toBe(409);
    const bad = await api.call('POST', '/v1/endpoints', {
      url: 'ftp://example',
      events: ['BOOK_COMPLETE', 'BOOK_COMPLETE', 'NOPE'],
      description: 'ab',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['description', 'events.2', 'url']);
    const repeated = await api.call('POST', '/v1/endpoints', {
      url: 'http://127.0.0.1:9/c',
      events: ['BOOK_COMPLETE', 'BOOK_COMPLETE'],
    });
    expect(repeated.body.errors).toEqual([{ field: 'events', message: 'must not repeat an event' }]);
    expect((await api.call('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/b', events: [] })).body.errors).toEqual([
      { field: 'events', message: 'must name at least one event' },
    ]);

    const listed = await api.call('GET', '/v1/endpoints');
    expect(listed.body.data).toEqual([expect.objectContaining({ id: created.id })]);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);
    const paused = await api.call('PATCH', `/v1/endpoints/${created.id}`, { active: false, events: ['BOOK_COMPLETE'] });
    expect(paused.body).toMatchObject({ active: false, events: ['BOOK_COMPLETE'] });
    expect((await api.call('DELETE', `/v1/endpoints/${created.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v1/endpoints/${created.id}`)).status).toBe(404);
    expect((await api.call('GET', '/v1/endpoints/not-a-uuid')).status).toBe(400);
  });

  it('accepts only endpoints and secrets that work: exactly one of url or email, secrets that sign', async () => {
    const { api, register } = await setup();
    const fieldsOf = (response: { body: { errors?: Array<{ field: string }> } }) =>
      (response.body.errors ?? []).map((e) => e.field);
    const neither = await api.call('POST', '/v1/endpoints', { events: ['BOOK_COMPLETE'] });
    expect(neither.status).toBe(400);
    expect(neither.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(fieldsOf(neither)).toEqual(['url']);
    const both = await api.call('POST', '/v1/endpoints', {
      url: 'http://127.0.0.1:9/both',
      email: 'ops@example.com',
      events: ['BOOK_COMPLETE'],
    });
    expect(fieldsOf(both)).toEqual(['email']);
    for (const secret of [`whsec_${'A'.repeat(33)}`, 'whsec_not base64 at all!!', `whsec_${'A'.repeat(16)}`]) {
      const refused = await api.call('POST', '/v1/endpoints', {
        url: 'http://127.0.0.1:9/s',
        events: ['BOOK_COMPLETE'],
        secret,
      });
      expect(refused.status, secret).toBe(400);
      expect(fieldsOf(refused)).toEqual(['secret']);
    }
    expect((await api.call('GET', '/v1/endpoints')).body.data).toEqual([]);

    const endpoint = await register({ url: 'http://127.0.0.1:9/rotate' });
    const rotated = await api.call('POST', `/v1/endpoints/${endpoint.id}/rotate-secret`, { secret: 'whsec_====' });
    expect(rotated.status).toBe(400);
    expect(fieldsOf(rotated)).toEqual(['secret']);
    const after = await api.call('GET', `/v1/endpoints/${endpoint.id}`);
    expect(after.body.previous_secret_expires_at).toBeNull();
    const test = await api.call('POST', `/v1/endpoints/${endpoint.id}/test`);
    expect(test.status).toBeLessThan(500);
  });
});

describe('SSRF protection', () => {
  it('refuses endpoints that are not publicly routable, naming the url and never what its host resolved to', async () => {
    const system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '' });
    cleanups.push(system.stop);
    const api = crm(system);
    const byName = await api.call('POST', '/v1/endpoints', {
      url: 'http://localhost:3000/hook',
      events: ['BOOK_COMPLETE'],
    });
    expect(byName.status).toBe(400);
    expect(byName.body.errors).toEqual([
      { field: 'url', message: 'is refused: the host resolves to an address that is not publicly routable' },
    ]);
    expect(JSON.stringify(byName.body)).not.toMatch(/127\.0\.0\.1|::1/);
    for (const url of [
      'http://127.0.0.1/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.7/hook',
      'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
      'http://[2002:a00:7::1]/hook',
      'http://[::10.0.0.7]/hook',
      'http://[fec0::1]/hook',
    ]) {
      const response = await api.call('POST', '/v1/endpoints', { url, events: ['BOOK_COMPLETE'] });
      expect(response.status, url).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'url', message: 'is refused: the host is an address that is not publicly routable' },
      ]);
    }
    const existing = await api.call('POST', '/v1/endpoints', {
      url: 'https://93.184.215.14/hook',
      events: ['BOOK_COMPLETE'],
    });
    expect(existing.status).toBe(201);
    const patched = await api.call('PATCH', `/v1/endpoints/${existing.body.id}`, { url: 'http://[::ffff:7f00:1]/x' });
    expect(patched.status).toBe(400);
    await api.call('DELETE', `/v1/endpoints/${existing.body.id}`);
    expect((await api.call('GET', '/v1/endpoints')).body.data).toEqual([]);
  });

  it('refuses plain http in production unless allowed', async () => {
    const system = await startTestSystem({ NODE_ENV: 'production', ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
    cleanups.push(system.stop);
    const response = await crm(system).call('POST', '/v1/endpoints', {
      url: 'http://127.0.0.1:9/hook',
      events: ['BOOK_COMPLETE'],
    });
    expect(response.body.errors).toEqual([{ field: 'url', message: 'must be https' }]);
  });
});

describe('delivering', () => {
  it('signs every event (Standard Webhooks) and delivers a book in causal order', async () => {
    const { system, receiver, register, runBook, deliveries } = await setup();
    // VERIFICATION_COMPLETE answers slowly: BOOK_COMPLETE must still wait for all of them.
    const inbox = await receiver((request) => ({
      status: 200,
      delayMs: request.json.event_name === 'VERIFICATION_COMPLETE' ? 400 : 0,
    }));
    const endpoint = await register({ url: inbox.url });
    const bookUuid = await runBook(3);
    await eventually(() => expect(inbox.requests).toHaveLength(5), 30_000);

    expect(eventNames(inbox.requests).slice(0, 3)).toEqual(Array(3).fill('VERIFICATION_COMPLETE'));
    expect(eventNames(inbox.requests).slice(3)).toEqual(['BOOK_COMPLETE', 'ANALYTICS_COMPLETED']);
    const [vc1, vc2, vc3, bc, ac] = inbox.requests as [any, any, any, any, any];
    expect(bc.receivedAt).toBeGreaterThanOrEqual(Math.max(vc1.answeredAt, vc2.answeredAt, vc3.answeredAt));
    expect(ac.receivedAt).toBeGreaterThanOrEqual(bc.answeredAt);
    for (const request of inbox.requests) {
      expect(new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>)).toEqual(
        request.json,
      );
      expect(request.headers['webhook-id']).toBe(request.json.event_id);
      expect(request.json.book_uuid).toBe(bookUuid);
    }
    await eventually(async () => {
      const log = await deliveries(endpoint.id);
      expect(log).toHaveLength(5);
      for (const delivery of log)
        expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: [{ status_code: 200 }] });
    });
    // Delivered by their first attempts, which the recording made: operators read in the Temporal UI, in the book's
    // history, where each recording's deliveries went (its result), and no delivery workflow was needed.
    // Its last recording reports once its attempts are logged: read the history when the book has finished.
    const book = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
    await book.result();
    const history = await book.fetchHistory();
    const codec = testCodec();
    const results = await Promise.all(
      (history.events ?? []).flatMap((event) => {
        const payloads = event.activityTaskCompletedEventAttributes?.result?.payloads;
        return payloads ? [codec.decode(payloads)] : [];
      }),
    );
    const delivered = results
      .flatMap((decoded) => {
        const result = defaultPayloadConverter.fromPayload<{ deliveries?: FannedOut[] } | null>(decoded[0]!);
        return result?.deliveries ?? [];
      })
      .filter((outcome) => outcome.endpoint === new URL(inbox.url).host);
    expect(delivered.reduce((sum, outcome) => sum + outcome.finished, 0)).toBe(5);
    expect(delivered.every((outcome) => outcome.toWorkflow === 0)).toBe(true);
    const query = `EndpointId = '${endpoint.id}'`;
    const workflows = [];
    for await (const workflow of system.client.workflow.list({ query })) workflows.push(workflow.workflowId);
    expect(workflows).toEqual([]);
  });

  it('signs the Ocrolus way when asked', async () => {
    const { receiver, register, runBook } = await setup();
    const inbox = await receiver();
    const secret = 'an-ocrolus-secret-of-32-chars!!!';
    await register({ url: inbox.url, signature_scheme: 'ocrolus', secret, events: ['BOOK_COMPLETE'] });
    await runBook(0);
    await eventually(() => expect(inbox.requests).toHaveLength(1));
    const [request] = inbox.requests as [any];
    const {
      'webhook-request-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': signature,
    } = request.headers;
    expect(id).toBe(request.json.event_id);
    expect(signature).toBe(createHmac('sha256', secret).update(`${timestamp}.${id}.${request.body}`).digest('hex'));
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx, logging each attempt', async () => {
    const { receiver, register, runBook, deliveries } = await setup();
    const inbox = await receiver((_request, index) => ({ status: index < 2 ? 500 : 200 }));
    const endpoint = await register({ url: inbox.url, events: ['BOOK_COMPLETE'] });
    await runBook(0);
    await eventually(() => expect(inbox.requests).toHaveLength(3));
    expect(new Set(inbox.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    await eventually(async () => {
      const [delivery] = await deliveries(endpoint.id);
      expect(delivery.status).toBe('DELIVERED');
      expect(delivery.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);
    });
  });

  it('keeps trying while the receiver is down (connection refused) and delivers once it is back', async () => {
    const { register, runBook, deliveries } = await setup();
    const port = await freePort();
    const endpoint = await register({ url: `http://127.0.0.1:${port}/hooks`, events: ['BOOK_COMPLETE'] });
    await runBook(0);
    await eventually(async () => expect((await deliveries(endpoint.id))[0]?.attempts.length).toBeGreaterThanOrEqual(2));
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(String(req.headers['webhook-id']));
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const [delivery] = await eventually(async () => {
      const log = await deliveries(endpoint.id);
      expect(log[0].status).toBe('DELIVERED');
      return log;
    });
    expect(delivery.attempts.slice(0, -1).every((a: any) => a.status_code === null && a.error)).toBe(true);
    expect(received).toEqual([delivery.event_id]);
  });

  it('honours Retry-After', async () => {
    const { receiver, register, runBook } = await setup();
    const inbox = await receiver((_request, index): Reply =>
      index === 0 ? { status: 429, headers: { 'Retry-After': '2' } } : { status: 200 },
    );
    await register({ url: inbox.url, events: ['BOOK_COMPLETE'] });
    await runBook(0);
    await eventually(() => expect(inbox.requests).toHaveLength(2));
    const [first, second] = inbox.requests as [any, any];
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1900);
  });

  it('stops on 400, and disables the endpoint on 410, holding its delivery for a re-enable', async () => {
    const { api, receiver, register, runBook, deliveries } = await setup();
    const refusing = await receiver(() => ({ status: 400 }));
    const gone = await receiver(() => ({ status: 410 }));
    const refusingEndpoint = await register({ url: refusing.url, events: ['BOOK_COMPLETE'] });
    const goneEndpoint = await register({ url: gone.url, events: ['BOOK_COMPLETE'] });
    await runBook(0);
    await eventually(async () => {
      expect((await deliveries(refusingEndpoint.id))[0]).toMatchObject({
        status: 'FAILED',
        attempts: [{ status_code: 400 }],
      });
      expect((await deliveries(goneEndpoint.id))[0]).toMatchObject({
        status: 'HELD',
        attempts: [{ status_code: 410 }],
      });
    });
    expect(refusing.requests).toHaveLength(1);
    expect((await api.call('GET', `/v1/endpoints/${goneEndpoint.id}`)).body).toMatchObject({
      active: false,
      disabled_reason: 'the endpoint answered 410 Gone',
    });
    expect((await api.call('GET', `/v1/endpoints/${refusingEndpoint.id}`)).body.active).toBe(true);
  });

  it('does not let a dead endpoint delay a healthy one', async () => {
    const { receiver, register, runBook } = await setup();
    const dead = await receiver(() => ({ status: 503 }));
    const healthy = await receiver();
    await register({ url: dead.url });
    await register({ url: healthy.url });
    await runBook(2);
    await eventually(() => expect(eventNames(healthy.requests)).toContain('ANALYTICS_COMPLETED'), 30_000);
    // The dead endpoint is still being retried on its VERIFICATION_COMPLETE deliveries, nothing later.
    expect(eventNames(dead.requests)).not.toContain('BOOK_COMPLETE');
    expect(dead.requests.length).toBeGreaterThanOrEqual(2);
  });

  it('signs with both secrets during a rotation', async () => {
    const { api, receiver, register, runBook } = await setup();
    const inbox = await receiver();
    const endpoint = await register({ url: inbox.url, events: ['BOOK_COMPLETE'] });
    const rotated = await api.call('POST', `/v1/endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.body.previous_secret_expires_at)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    await runBook(0);
    await eventually(() => expect(inbox.requests).toHaveLength(1));
    const [request] = inbox.requests as [any];
    expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret]) {
      expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(request.json);
    }
  });

  it('keeps the rotation grace for the Ocrolus scheme: a receiver still on the old secret gets the event signed with it', async () => {
    const { api, receiver, register, runBook, deliveries } = await setup();
    const [oldSecret, newSecret] = ['an-ocrolus-secret-of-32-chars!!!', 'the-next-ocrolus-secret-32-chars'];
    // Receivers that check the Ocrolus signature against one secret, as an Ocrolus client does.
    const verifyingWith = (secret: string) =>
      receiver((request) => {
        const id = request.headers['webhook-request-id'] as string;
        const timestamp = request.headers['webhook-timestamp'] as string;
        const expected = createHmac('sha256', secret).update(`${timestamp}.${id}.${request.body}`).digest('hex');
        return { status: request.headers['webhook-signature'] === expected ? 200 : 401 };
      });
    const [stale, updated] = [await verifyingWith(oldSecret), await verifyingWith(newSecret)];
    const endpoints: Array<{ id: string }> = [];
    for (const inbox of [stale, updated]) {
      const endpoint = await register({
        url: inbox.url,
        signature_scheme: 'ocrolus',
        secret: oldSecret,
        events: ['BOOK_COMPLETE'],
      });
      const rotated = await api.call('POST', `/v1/endpoints/${endpoint.id}/rotate-secret`, { secret: newSecret });
      expect(rotated.status).toBe(200);
      endpoints.push(endpoint);
    }
    await runBook(0);
    const [staleEndpoint, updatedEndpoint] = endpoints as [{ id: string }, { id: string }];
    await eventually(async () => {
      const [delivery] = await deliveries(staleEndpoint.id);
      expect(delivery.status).toBe('DELIVERED');
    });
    await eventually(async () => {
      const [delivery] = await deliveries(updatedEndpoint.id);
      expect(delivery.status).toBe('DELIVERED');
    });
    // The stale receiver refused the new signature once, then took the old one; the updated one took the first.
    expect(stale.requests.map((r) => r.headers['webhook-request-id'])).toEqual([
      stale.requests[0]?.headers['webhook-request-id'],
      stale.requests[0]?.headers['webhook-request-id'],
    ]);
    expect(updated.requests).toHaveLength(1);
    const [attempt] = (await deliveries(staleEndpoint.id))[0].attempts;
    expect(attempt).toMatchObject({ status_code: 200, error: expect.stringContaining('previous') });
  });
});

describe('testing, tracing and redelivering', () => {
  it('sends a signed test event now and shows the attempt', async () => {
    const { api, receiver, register } = await setup();
    const inbox = await receiver(() => ({ status: 204 }));
    const endpoint = await register({ url: inbox.url });
    const response = await api.call('POST', `/v1/endpoints/${endpoint.id}/test`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ delivered: true, status_code: 204, error: null });
    expect(response.body.duration_ms).toBeGreaterThanOrEqual(0);
    const [request] = inbox.requests as [any];
    expect(new Webhook(endpoint.secret).verify(request.body, request.headers)).toMatchObject({ event_name: 'TEST' });
  });

  it('answers a test event to an e-mail endpoint on a server without SMTP_URL, naming it', async () => {
    const { system, api } = await setup();
    // An address subscribed (and confirmed) while SMTP_URL was set, on a server started without it.
    const id = '2f6a7c1e-4b1d-4f5e-9a3b-7c8d9e0f1a2b';
    await system.pool.query(
      `insert into endpoints (tenant_id, id, email, events, signature_scheme, secret, confirmed_at)
       values ($1, $2, 'ops@lender.test', '{BOOK_COMPLETE}', 'standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now())`,
      [system.tenantId, id],
    );
    const response = await api.call('POST', `/v1/endpoints/${id}/test`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ delivered: false, status_code: null, error: 'SMTP_URL is not configured' });
  });

  it('shows a book’s events with every delivery and attempt', async () => {
    const { api, receiver, register, runBook } = await setup();
    const inbox = await receiver();
    const endpoint = await register({ url: inbox.url, events: ['BOOK_COMPLETE', 'ANALYTICS_COMPLETED'] });
    const bookUuid = await runBook(1);
    await eventually(() => expect(inbox.requests).toHaveLength(2));
    const events = await eventually(async () => {
      const response = await api.call('GET', `/v1/books/${bookUuid}/events`);
      expect(response.body.data.filter((e: any) => e.deliveries[0]?.status === 'DELIVERED')).toHaveLength(2);
      return response.body.data;
    });
    expect(events.map((e: any) => e.event_name)).toEqual([
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(events[0].deliveries).toEqual([]); // not subscribed
    expect(events[1].deliveries[0]).toMatchObject({
      id: `${events[1].event_id}.${endpoint.id}`,
      endpoint_id: endpoint.id,
      attempts: [{ attempt: 1, status_code: 200 }],
    });
  });

  it('redelivers one delivery, and recovers every failed one since a time, keeping the webhook-id', async () => {
    const { api, receiver, register, runBook, deliveries } = await setup();
    let healthy = false;
    const inbox = await receiver(() => ({ status: healthy ? 200 : 400 }));
    const endpoint = await register({ url: inbox.url, events: ['BOOK_COMPLETE', 'ANALYTICS_COMPLETED'] });
    const since = new Date(Date.now() - 1000).toISOString();
    await runBook(0);
    await eventually(async () => {
      const log = await deliveries(endpoint.id);
      expect(log.map((d) => d.status)).toEqual(['FAILED', 'FAILED']);
    });
    healthy = true;

    const [newest] = await deliveries(endpoint.id);
    const retried = await api.call('POST', `/v1/deliveries/${newest.id}/retry`);
    expect(retried.status).toBe(202);
    await eventually(async () => expect((await deliveries(endpoint.id))[0].status).toBe('DELIVERED'));
    expect((await api.call('POST', `/v1/deliveries/${newest.id}/retry`)).status).toBe(202);
    expect((await api.call('POST', '/v1/deliveries/not-an-id/retry')).status).toBe(400);

    const recovered = await api.call('POST', `/v1/endpoints/${endpoint.id}/recover`, { since });
    expect(recovered.body).toEqual({ redelivering: 1 });
    await eventually(async () => {
      const log = await deliveries(endpoint.id);
      expect(log.every((d) => d.status === 'DELIVERED')).toBe(true);
    });
    const byEvent = new Map<string, Set<string>>();
    for (const request of inbox.requests) {
      const ids = byEvent.get(request.json.event_id) ?? new Set();
      ids.add(String(request.headers['webhook-id']));
      byEvent.set(request.json.event_id, ids);
    }
    for (const [eventId, ids] of byEvent) expect([...ids]).toEqual([eventId]);
    const attempts = (await deliveries(endpoint.id)).map((d) => d.attempts.map((a: any) => a.attempt));
    expect(attempts).toContainEqual([1, 2]);
  });
});
