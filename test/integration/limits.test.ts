import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { openStream } from '../support/sse.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

// Limits against abuse (docs/security.md), against a real API, worker, PostgreSQL and receiver.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function system(env: Record<string, string> = {}): Promise<TestSystem> {
  const started = await startTestSystem(env);
  cleanups.push(started.stop);
  return started;
}

const get = (s: TestSystem, path: string, key: string) =>
  request(s.apiUrl, 'GET', path, undefined, { authorization: `Bearer ${key}` });

describe('API request limits', () => {
  it("refuses a tenant's burst past its rate with 429 and Retry-After, leaving other tenants alone", async () => {
    const s = await system({ API_RATE_LIMIT: '2', API_RATE_BURST: '5' });
    const { key: otherKey } = await createApiKey(s.pool, `t-${randomUUID().slice(0, 8)}`, 'other');

    const answers = await Promise.all(Array.from({ length: 12 }, () => get(s, '/v1/books', s.apiKey)));
    const refused = answers.filter((answer) => answer.status === 429);
    // 5 at once, and at most a token or two more while they were under way.
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    const [first] = refused;
    expect(first?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(first?.body).toMatchObject({ code: 'rate-limited', status: 429, type: '/docs/problems/rate-limited' });
    const retryAfter = Number(first?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(first?.headers.get('ratelimit-remaining')).toBe('0');

    const other = await get(s, '/v1/books', otherKey);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-limit')).toBe('5');

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expect((await get(s, '/v1/books', s.apiKey)).status).toBe(200);
  });

  it('refuses an address that keeps failing to authenticate, before looking its keys up', async () => {
    const s = await system({ API_AUTH_FAILURE_LIMIT: '1' });
    const bad = `bb_${'x'.repeat(32)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await get(s, '/v1/books', bad)).status);
    // Ten at once (ten times the rate), then 429 until the bucket refills.
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(401));
    const refused = await get(s, '/v1/books', bad);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate-limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await eventually(async () => expect((await get(s, '/v1/books', s.apiKey)).status).toBe(200), 5000, 200);
  });
});

describe('stream cap', () => {
  it('refuses a stream past MAX_STREAMS_PER_TENANT with 429, and a closed stream frees its slot', async () => {
    const s = await system({ MAX_STREAMS_PER_TENANT: '2' });
    const bookUuid = await crm(s).createBook();
    const auth = { authorization: `Bearer ${s.apiKey}` };
    const feed = await openStream(`${s.apiUrl}/v1/events/stream`, auth);
    const book = await openStream(`${s.apiUrl}/v1/books/${bookUuid}/stream`, auth);
    expect([feed.response.status, book.response.status]).toEqual([200, 200]);

    const third = await request(s.apiUrl, 'GET', '/v1/events/stream', undefined, auth);
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(third.body).toMatchObject({ code: 'too-many-streams', status: 429 });
    expect(third.headers.get('retry-after')).toBeTruthy();
    const bookThird = await request(s.apiUrl, 'GET', `/v1/books/${bookUuid}/stream`, undefined, auth);
    expect(bookThird.body).toMatchObject({ code: 'too-many-streams' });

    // Another tenant has slots of its own.
    const { key: otherKey } = await createApiKey(s.pool, `t-${randomUUID().slice(0, 8)}`, 'other');
    const others = await openStream(`${s.apiUrl}/v1/events/stream`, { authorization: `Bearer ${otherKey}` });
    expect(others.response.status).toBe(200);
    await others.close();

    await book.close();
    const again = await eventually(async () => {
      const opened = await openStream(`${s.apiUrl}/v1/events/stream`, auth);
      if (opened.response.status !== 200) {
        await opened.close();
        throw new Error(`still refused: ${opened.response.status}`);
      }
      return opened;
    });
    await again.close();
    await feed.close();
  });
});

describe('per-endpoint outbound rate', () => {
  // 30s: every delivery waits for its turn inside its activity; 1s: most give their activity back and come again.
  it.each(['30s', '1s'])(
    'sends all the events of several books at no more than rate_limit a second, without failed attempts (DELIVERY_RATE_WAIT=%s)',
    async (rateWait) => {
      const s = await system({
        DELIVERY_RATE_WAIT: rateWait,
        ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
        DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms',
        DELIVERY_WINDOW: '60s',
      });
      const api = crm(s);
      const receiver = await startReceiver();
      cleanups.push(receiver.close);

      const refused = await api.call('POST', '/v1/endpoints', {
        url: receiver.url,
        events: ['BOOK_COMPLETE'],
        rate_limit: 0,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['rate_limit']);
      const created = await api.call('POST', '/v1/endpoints', {
        url: receiver.url,
        events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
        rate_limit: 5,
      });
      expect(created.status).toBe(201);
      expect(created.body.rate_limit).toBe(5);
      const endpointId = created.body.id as string;
      const patched = await api.call('PATCH', `/v1/endpoints/${endpointId}`, { rate_limit: 2 });
      expect(patched.body.rate_limit).toBe(2);
      expect((await api.call('GET', `/v1/endpoints/${endpointId}`)).body.rate_limit).toBe(2);

      // Three books at once, 2 documents each: 4 events a book, 12 in all, to one endpoint limited to 2 a second.
      const runBook = async () => {
        const bookUuid = await api.createBook({ name: 'Rate-limited book' });
        for (let i = 0; i < 2; i++) await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
        await api.seal(bookUuid);
        return bookUuid;
      };
      await Promise.all([runBook(), runBook(), runBook()]);
      const ids = () => new Set(receiver.requests.map((r) => r.headers['webhook-id']));
      await eventually(() => expect(ids().size).toBe(12), 60_000, 200);

      // No more than 2 in any second (one more allowed for the edges of the window and the network).
      const times = receiver.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
      const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
      expect(busiest).toBeLessThanOrEqual(3);

      // Waiting was no failure: every delivery went on its first attempt, and nothing was sent twice.
      expect(receiver.requests.length).toBe(12);
      const deliveries = await eventually(async () => {
        const listed = (await api.call('GET', `/v1/endpoints/${endpointId}/deliveries?limit=50`)).body.data as any[];
        expect(listed.map((d) => d.status)).toEqual(Array<string>(12).fill('DELIVERED'));
        return listed;
      });
      expect(deliveries.map((d) => d.attempts.map((a: { attempt: number }) => a.attempt))).toEqual(
        Array<number[]>(12).fill([1]),
      );
      const failed = await s.pool.query(
        `select count(*)::int as n from delivery_attempts where tenant_id = $1 and endpoint_id = $2 and error is not null`,
        [s.tenantId, endpointId],
      );
      expect(failed.rows[0].n).toBe(0);
      const endpoint = (await api.call('GET', `/v1/endpoints/${endpointId}`)).body;
      expect(endpoint).toMatchObject({ active: true, disabled_reason: null });

      // Cleared, the endpoint has no limit.
      expect((await api.call('PATCH', `/v1/endpoints/${endpointId}`, { rate_limit: null })).body.rate_limit).toBeNull();
    },
    120_000,
  );
});
