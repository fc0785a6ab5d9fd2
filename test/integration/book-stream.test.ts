import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { crm } from '../support/books.js';
import { startReceiver } from '../support/receiver.js';
import { openStream, type SseMessage } from '../support/sse.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let api: ReturnType<typeof crm>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const streams: Array<{ close: () => Promise<void> }> = [];

beforeAll(async () => {
  system = await startTestSystem({
    STREAM_HEARTBEAT_MS: '300',
    DELIVERY_RETRY_SCHEDULE: '0s,200ms,200ms',
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
  });
  api = crm(system);
  receiver = await startReceiver();
  const endpoint = await api.call('POST', '/v1/endpoints', {
    url: receiver.url,
    events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
  });
  expect(endpoint.status).toBe(201);
});

afterAll(async () => {
  for (const stream of streams) await stream.close();
  await system?.stop();
  await receiver?.close();
});

async function stream(bookUuid: string, headers: Record<string, string> = {}, query = '') {
  const opened = await openStream(`${system.apiUrl}/v1/books/${bookUuid}/stream${query}`, {
    authorization: `Bearer ${system.apiKey}`,
    ...headers,
  });
  streams.push(opened);
  return opened;
}

const is =
  (event: string, match: (data: any) => boolean = () => true) =>
  (message: SseMessage) =>
    message.event === event && match(message.data);

describe('GET /v1/books/:book_uuid/stream', () => {
  it('sends the book first, then each document, event and delivery as it happens', async () => {
    const bookUuid = await api.createBook({ name: 'Live book' });
    const live = await stream(bookUuid);
    expect(live.response.status).toBe(200);
    expect(live.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(live.response.headers.get('cache-control')).toContain('no-cache');

    const first = await live.waitFor(() => true);
    expect(first.event).toBe('book');
    expect(first.data).toMatchObject({ book_uuid: bookUuid, name: 'Live book', documents: [] });

    const passed = await api.upload(bookUuid, randomUUID(), 'january.pdf');
    const rejected = await api.upload(bookUuid, randomUUID(), 'february.pdf');
    const uploaded = await live.waitFor(is('document', (d) => d.doc_uuid === passed));
    expect(uploaded.data).toMatchObject({ name: 'january.pdf', status: 'VERIFYING', mime_type: 'application/pdf' });

    await api.verify(bookUuid, passed, 'SUCCEEDED');
    await live.waitFor(is('document', (d) => d.doc_uuid === passed && d.status === 'VERIFICATION_COMPLETE'));
    await api.verify(bookUuid, rejected, 'FAILED', { reason: 'Unreadable scan' });
    const failed = await live.waitFor(is('document', (d) => d.doc_uuid === rejected && d.status === 'REJECTED'));
    expect(failed.data).toMatchObject({ result: 'FAILED', reason: 'Unreadable scan' });
    const emitted = await live.waitFor(is('event', (e) => e.doc_uuid === rejected));
    expect(emitted.data).toMatchObject({ event_name: 'VERIFICATION_COMPLETE', status: 'REJECTED' });

    await api.seal(bookUuid);
    await live.waitFor(is('event', (e) => e.event_name === 'BOOK_COMPLETE'));
    const analytics = await live.waitFor(is('analytics'));
    expect(analytics.data).toHaveProperty('accounts');
    await live.waitFor(is('event', (e) => e.event_name === 'ANALYTICS_COMPLETED'));
    await live.waitFor(is('book.status', (b) => b.status === 'ANALYTICS_COMPLETE'));
    // Each of the three event types reached the receiver, and the stream said so.
    for (const type of ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED']) {
      const delivered = await live.waitFor(is('delivery', (d) => d.event_type === type && d.status === 'DELIVERED'));
      expect(delivered.data).toMatchObject({ attempt_count: 1, last_status_code: 200 });
    }

    // Ids only grow, so a client can resume from any of them.
    const ids = live.messages.map((m) => m.id as string);
    const order = ids.map((id) => id.split('-').map(BigInt) as [bigint, bigint]);
    for (let i = 1; i < order.length; i++) {
      const [a, b] = [order[i - 1] as [bigint, bigint], order[i] as [bigint, bigint]];
      expect(
        a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]),
        live.messages.map((m) => `${m.id} ${m.event} ${m.data.status}`).join('\n'),
      ).toBe(true);
    }
  });

  it('resumes after Last-Event-ID without the snapshot and without losing a change', async () => {
    const bookUuid = await api.createBook({ name: 'Resumed book' });
    const live = await stream(bookUuid);
    const doc = await api.upload(bookUuid);
    const seen = await live.waitFor(is('document', (d) => d.doc_uuid === doc));
    await live.close();

    // Changes made while the client was away.
    await api.verify(bookUuid, doc, 'SUCCEEDED');
    const later = await api.upload(bookUuid);
    await api.waitFor(bookUuid, 'UPLOAD');

    const resumed = await stream(bookUuid, { 'last-event-id': seen.id as string });
    await resumed.waitFor(is('document', (d) => d.doc_uuid === later));
    await resumed.waitFor(is('document', (d) => d.doc_uuid === doc && d.status === 'VERIFICATION_COMPLETE'));
    expect(resumed.messages.some((m) => m.event === 'book')).toBe(false);

    // The same through the query parameter, for clients that cannot set headers.
    const viaQuery = await stream(bookUuid, {}, `?last_event_id=${encodeURIComponent(seen.id as string)}`);
    await viaQuery.waitFor(is('document', (d) => d.doc_uuid === later));
  });

  it('sends a keep-alive comment while nothing happens', async () => {
    const live = await stream(await api.createBook());
    await live.waitFor(is('book'));
    await expect.poll(() => live.comments, { timeout: 10_000 }).toContain('keep-alive');
  });

  it('ends a stream whose API key is revoked; its reconnect gets a 401', async () => {
    const { key, row } = await createApiKey(system.pool, system.tenantId, 'revoked during a stream');
    const bookUuid = await api.createBook();
    const live = await openStream(`${system.apiUrl}/v1/books/${bookUuid}/stream`, { authorization: `Bearer ${key}` });
    streams.push(live);
    await live.waitFor(is('book'));
    expect(await revokeApiKey(system.pool, row.id)).toBe(true);
    await expect.poll(() => live.ended, { timeout: 10_000 }).toBe(true);
    const again = await fetch(`${system.apiUrl}/v1/books/${bookUuid}/stream`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(again.status).toBe(401);
  });

  it('refuses a bad Last-Event-ID, another tenant, a missing key and a bad id with problem+json', async () => {
    const bookUuid = await api.createBook();
    const badCursor = await fetch(`${system.apiUrl}/v1/books/${bookUuid}/stream`, {
      headers: { authorization: `Bearer ${system.apiKey}`, 'last-event-id': '12; drop table books' },
    });
    expect(badCursor.status).toBe(400);
    expect(badCursor.headers.get('content-type')).toContain('application/problem+json');
    expect(((await badCursor.json()) as { detail: string }).detail).toContain('Last-Event-ID');

    const { key: otherKey } = await createApiKey(system.pool, `other-${randomUUID().slice(0, 8)}`, 'tests');
    const foreign = await fetch(`${system.apiUrl}/v1/books/${bookUuid}/stream`, {
      headers: { authorization: `Bearer ${otherKey}` },
    });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { detail: string }).detail).toBe(`Book ${bookUuid} does not exist.`);

    expect((await fetch(`${system.apiUrl}/v1/books/${bookUuid}/stream`)).status).toBe(401);
    const badId = await fetch(`${system.apiUrl}/v1/books/not-a-uuid/stream`, {
      headers: { authorization: `Bearer ${system.apiKey}` },
    });
    expect(badId.status).toBe(400);
  });
});
