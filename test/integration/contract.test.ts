import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_STREAM_EVENT, FeedEventSchema } from '../../src/contract/event-feed.js';
import { EventPayloadSchema, TestEventPayloadSchema } from '../../src/contract/event-payload.js';
import { PROBLEM_CODES, problemType } from '../../src/contract/problem-types.js';
import { parseStreamMessage, type ParsedStreamMessage } from '../../src/contract/stream.js';
import { statement } from '../support/books.js';
import { contractClient } from '../support/contract.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startSmtpServer } from '../support/smtp.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * Every answer of a real flow is checked against the OpenAPI document and the zod schema it names (closed objects:
 * a field the API sends but the contract lacks fails too), and every documented success response must occur.
 */

let system: TestSystem;
let api: ReturnType<typeof contractClient>;
const cleanups: Array<() => Promise<void>> = [];
const ALL_EVENTS = ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'];

beforeAll(async () => {
  const smtp = await startSmtpServer();
  cleanups.push(smtp.close);
  system = await startTestSystem({
    SMTP_URL: smtp.url,
    DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms',
    DELIVERY_WINDOW: '60s',
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
  });
  cleanups.push(system.stop);
  api = contractClient(system.apiUrl, system.apiKey);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function receiver(status: number) {
  const started = await startReceiver(() => ({ status }));
  cleanups.push(started.close);
  return started;
}

type Message = ParsedStreamMessage & { id: string };

/** The messages of an SSE answer; `next()` is the next one, its data parsed by `parse` (comments are skipped). */
function sseReader<M>(response: Response, parse: (event: string, data: string) => M) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<M & { id: string }> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end < 0) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += decoder.decode(value, { stream: true });
        continue;
      }
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        lines.filter((line) => line.startsWith(`${name}: `)).map((line) => line.slice(name.length + 2));
      const [event] = field('event');
      if (event === undefined) continue; // retry:, a bare id: and keep-alive comments
      return { id: field('id')[0] as string, ...parse(event, field('data').join('\n')) };
    }
  };
  return next;
}

/** A book's stream; `next()` is its next message, parsed with the contract schema of its event type. */
async function openStream(bookUuid: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  cleanups.push(() => Promise.resolve(abort.abort()));
  const response = await api.open('/v1/books/{book_uuid}/stream', {
    params: { book_uuid: bookUuid },
    headers,
    signal: abort.signal,
  });
  const next: () => Promise<Message> = sseReader(response, parseStreamMessage);
  /** Messages up to and including the first for which `until` holds. */
  const until = async (match: (message: Message) => boolean) => {
    const messages: Message[] = [];
    do messages.push(await next());
    while (!match(messages.at(-1) as Message));
    return messages;
  };
  return { next, until, close: () => abort.abort() };
}

/** The tenant's event stream; `next()` is its next event, parsed with the FeedEvent schema. */
async function openFeedStream(query: Record<string, string>, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  cleanups.push(() => Promise.resolve(abort.abort()));
  const response = await api.open('/v1/events/stream', { query, headers, signal: abort.signal });
  return sseReader(response, (event, data) => {
    expect(event).toBe(FEED_STREAM_EVENT);
    return { event, data: FeedEventSchema.parse(JSON.parse(data)) };
  });
}

describe('the API answers as its OpenAPI document says', () => {
  it('health, readiness and metrics', async () => {
    expect((await api.send('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await api.send('GET', '/readyz', { key: null })).body).toMatchObject({ status: 'ready' });
    expect((await api.send('GET', '/metrics', { key: null })).status).toBe(200);
  });

  it('a book from create to analytics, live on its stream, with its events and deliveries', async () => {
    const inbox = await receiver(200);
    const gone = await receiver(410);
    const hook = await api.send('POST', '/v1/endpoints', {
      body: { url: inbox.url, events: ALL_EVENTS, description: 'CRM inbox' },
    });
    expect(hook.status).toBe(201);
    await api.send('POST', '/v1/endpoints', { body: { url: gone.url, events: ALL_EVENTS } });

    const bookUuid = randomUUID();
    const create = { book_uuid: bookUuid, name: 'Q3 statements', metadata: { loan: 'L-1', amount: 5, ok: true } };
    expect((await api.send('POST', '/v1/books', { body: create })).status).toBe(201);
    expect((await api.send('POST', '/v1/books', { body: create })).status).toBe(200);
    const params = { book_uuid: bookUuid };

    // The snapshot first, then the upload's change.
    const [july, august, early] = [randomUUID(), randomUUID(), randomUUID()];
    const stream = await openStream(bookUuid);
    const snapshot = await stream.next();
    expect(snapshot).toMatchObject({ event: 'book', data: { book_uuid: bookUuid, documents: [] } });
    const upload = (docUuid: string, name: string) =>
      api.send('POST', '/v1/books/{book_uuid}/documents', {
        params,
        body: { doc_uuid: docUuid, name, mime_type: 'application/pdf', size_bytes: 2048 },
      });
    expect((await upload(july, 'july.pdf')).status).toBe(202);
    const streamed = await stream.until((m) => m.event === 'document' && m.data.doc_uuid === july);
    stream.close();
    await upload(august, 'august.pdf');

    const verify = (docUuid: string, body: Record<string, unknown>) =>
      api.send('POST', '/v1/books/{book_uuid}/documents/{doc_uuid}/verification', {
        params: { ...params, doc_uuid: docUuid },
        body,
      });
    const balances = { deposits: '3000.00', withdrawals: '2750.00' };
    await verify(july, {
      result: 'SUCCEEDED',
      fields: statement('CHK-1', '2026-07-01', '2026-07-31', { start: '1000.00', end: '1250.00', ...balances }),
    });
    // A break in balance continuity and a gap, so the analytics have lists to show.
    await verify(august, {
      result: 'SUCCEEDED',
      fields: statement('CHK-1', '2026-08-05', '2026-08-31', { start: '1300.00', end: '1550.00', ...balances }),
    });
    await verify(july, { result: 'FAILED', reason: 'a conflicting later result' });
    // A result before any upload registers a document without a name.
    expect((await verify(early, { result: 'FAILED', reason: 'Image unreadable' })).status).toBe(202);
    expect((await api.send('POST', '/v1/books/{book_uuid}/seal', { params })).status).toBe(202);

    const finished = await eventually(async () => {
      const { body } = await api.send('GET', '/v1/books/{book_uuid}', { params });
      expect(body.status).toBe('ANALYTICS_COMPLETE');
      expect(body.events).toHaveLength(5);
      return body;
    }, 60_000);
    expect(finished.ignored_results.recent).toHaveLength(1);
    expect(finished.documents.find((d: { doc_uuid: string }) => d.doc_uuid === early)).toMatchObject({ name: null });
    expect(finished.analytics.continuity_break_count).toBe(1);

    const events = await eventually(async () => {
      const { body } = await api.send('GET', '/v1/books/{book_uuid}/events', { params });
      const all = body.data.flatMap((event: { deliveries: Array<{ status: string }> }) => event.deliveries);
      expect(all.filter((d: { status: string }) => d.status === 'PENDING')).toEqual([]);
      const toInbox = all.filter((d: { endpoint_id: string }) => d.endpoint_id === hook.body.id);
      expect(toInbox.map((d: { status: string }) => d.status)).toEqual(Array(5).fill('DELIVERED'));
      return body.data;
    }, 60_000);
    expect(events.map((event: { event_name: string }) => event.event_name).slice(-2)).toEqual(ALL_EVENTS.slice(1));
    // Each of the book's lists pages on from its next_cursor.
    const docs = await api.send('GET', '/v1/books/{book_uuid}/documents', { params, query: { limit: '1' } });
    const moreDocs = await api.send('GET', '/v1/books/{book_uuid}/documents', {
      params,
      query: { limit: '10', cursor: docs.body.next_cursor as string },
    });
    expect([...docs.body.data, ...moreDocs.body.data]).toEqual(finished.documents);
    const deliveries = await api.send('GET', '/v1/books/{book_uuid}/deliveries', { params, query: { limit: '2' } });
    expect(deliveries.body.data).toHaveLength(2);
    expect(deliveries.body.next_cursor).toEqual(expect.any(String));
    // What the endpoint received is the same contract.
    await eventually(() => expect(inbox.requests).toHaveLength(5));
    for (const request of inbox.requests) EventPayloadSchema.parse(request.json);

    const page = await api.send('GET', '/v1/books', { query: { limit: '1' } });
    expect(page.body.data).toHaveLength(1);
    const operational = await eventually(async () => {
      const { body } = await api.send('GET', '/v1/operational-events');
      expect(body.data).toHaveLength(1);
      return body.data;
    });
    expect(operational[0].payload).toMatchObject({ event_name: 'endpoint.disabled', url: gone.url });

    // The tenant's feed has the book's events, with the bodies the endpoint received, and its stream resumes from
    // any of their cursors.
    const feed = await api.send('GET', '/v1/events', { query: { book_uuid: bookUuid, limit: '2' } });
    expect(feed.body.data.map((event: { event_id: string }) => event.event_id)).toEqual(
      events.slice(0, 2).map((event: { event_id: string }) => event.event_id),
    );
    expect(feed.body.next_cursor).toBe(feed.body.data[1].cursor);
    const feedStream = await openFeedStream({ book_uuid: bookUuid }, { 'Last-Event-ID': feed.body.data[0].cursor });
    expect((await feedStream()).data).toEqual(feed.body.data[1]);

    // The summary counts the finished book (checked against TenantSummary like every answer).
    const summary = await api.send('GET', '/v1/summary', {
      query: { since: new Date(Date.now() - 60 * 60_000).toISOString() },
    });
    expect(summary.body).toMatchObject({ complete_since: 1, failed_verifications_since: 1 });

    // A resumed stream replays the changes since, without a snapshot; each parses with its schema.
    const resumed = await openStream(bookUuid, { 'Last-Event-ID': streamed.at(-1)?.id as string });
    const replayed = await resumed.until((m) => m.event === 'analytics');
    expect(replayed.map((m) => m.event)).not.toContain('book');
  });

  it('endpoints: get, change, preview, test, rotate, deliveries, redeliver, delete', async () => {
    const inbox = await receiver(200);
    const created = await api.send('POST', '/v1/endpoints', {
      body: { url: inbox.url, events: ['BOOK_COMPLETE'], signature_scheme: 'ocrolus', secret: 'a'.repeat(32) },
    });
    const id = { id: created.body.id as string };
    const mail = await api.send('POST', '/v1/endpoints', {
      body: { email: 'officer@lender.test', events: ALL_EVENTS },
    });
    expect(mail.body).toMatchObject({ secret: null, confirmed_at: null });
    const resent = await api.send('POST', '/v1/endpoints/{id}/confirmation', { params: { id: mail.body.id } });
    expect(resent.status).toBe(202);
    expect((await api.send('GET', '/v1/endpoints')).body.data.length).toBeGreaterThanOrEqual(2);
    expect((await api.send('GET', '/v1/endpoints/{id}', { params: id })).body.id).toBe(id.id);
    const paused = await api.send('PATCH', '/v1/endpoints/{id}', { params: id, body: { description: 'Paused' } });
    expect(paused.body.description).toBe('Paused');

    const preview = await api.send('GET', '/v1/endpoints/{id}/preview', { params: id, query: { event: 'TEST' } });
    expect(preview.body).toMatchObject({ format: 'bookbell', event: 'TEST' });
    TestEventPayloadSchema.parse(JSON.parse(preview.body.body));
    const test = await api.send('POST', '/v1/endpoints/{id}/test', { params: id });
    expect(test.body).toMatchObject({ delivered: true, status_code: 200 });
    TestEventPayloadSchema.parse(inbox.requests.at(-1)?.json);
    const rotated = await api.send('POST', '/v1/endpoints/{id}/rotate-secret', { params: id });
    expect(rotated.body.secret).not.toBe('a'.repeat(32));
    expect(rotated.body.previous_secret_expires_at).not.toBeNull();

    // A sealed empty book completes at once: one BOOK_COMPLETE delivery to redeliver.
    const bookUuid = randomUUID();
    await api.send('POST', '/v1/books', { body: { book_uuid: bookUuid, name: 'Empty' } });
    await api.send('POST', '/v1/books/{book_uuid}/seal', { params: { book_uuid: bookUuid } });
    const delivered = await eventually(async () => {
      const { body } = await api.send('GET', '/v1/endpoints/{id}/deliveries', { params: id });
      expect(body.data.map((d: { status: string }) => d.status)).toEqual(['DELIVERED']);
      return body.data[0];
    }, 60_000);
    expect(delivered.attempts).toHaveLength(1);
    // A URL endpoint has no digests: the list is empty, in the documented shape.
    expect((await api.send('GET', '/v1/endpoints/{id}/digests', { params: id })).body).toEqual({
      data: [],
      next_cursor: null,
    });
    const attempts = await api.send('GET', '/v1/deliveries/{id}/attempts', { params: { id: delivered.id } });
    expect(attempts.body).toEqual({ data: delivered.attempts, next_cursor: null });
    const retry = await api.send('POST', '/v1/deliveries/{id}/retry', { params: { id: delivered.id } });
    expect(retry.status).toBe(202);
    const since = new Date(Date.now() - 60_000).toISOString();
    const recover = await api.send('POST', '/v1/endpoints/{id}/recover', { params: id, body: { since } });
    expect(recover.body).toEqual({ redelivering: 0 });
    expect((await api.send('DELETE', '/v1/endpoints/{id}', { params: id })).status).toBe(204);
  });

  it('every documented error is problem+json', async () => {
    const unknown = { book_uuid: randomUUID() };
    expect((await api.send('GET', '/v1/books/{book_uuid}', { params: unknown })).status).toBe(404);
    expect((await api.send('GET', '/v1/books', { key: null })).status).toBe(401);
    const bad = await api.send('POST', '/v1/books', { body: { name: '', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'name']);
    expect(bad.body).toMatchObject({ type: '/docs/problems/invalid-request', code: 'invalid-request' });
    const bookUuid = randomUUID();
    await api.send('POST', '/v1/books', { body: { book_uuid: bookUuid, name: 'First' } });
    expect((await api.send('POST', '/v1/books', { body: { book_uuid: bookUuid, name: 'Other' } })).status).toBe(409);
    const headers = { 'Idempotency-Key': `contract-${randomUUID()}` };
    expect((await api.send('POST', '/v1/books', { body: { name: 'Keyed' }, headers })).status).toBe(201);
    expect((await api.send('POST', '/v1/books', { body: { name: 'Changed' }, headers })).status).toBe(422);
    const stream = await api.send('GET', '/v1/books/{book_uuid}/stream', {
      params: { book_uuid: bookUuid },
      headers: { 'Last-Event-ID': 'not-an-id' },
    });
    expect(stream.status).toBe(400);
  });

  it('tells its conflicts apart by code, and serves the page of every problem type', async () => {
    const codeOf = async (answer: Promise<{ status: number; body: any }>) => {
      const { status, body } = await answer;
      expect(status).toBe(409);
      return body.code as string;
    };
    const codes: string[] = [];
    const book = async (name: string) => {
      const bookUuid = randomUUID();
      await api.send('POST', '/v1/books', { body: { book_uuid: bookUuid, name } });
      return { book_uuid: bookUuid };
    };
    const upload = (params: { book_uuid: string }, docUuid: string, name: string) =>
      api.send('POST', '/v1/books/{book_uuid}/documents', { params, body: { doc_uuid: docUuid, name } });

    const open = await book('Conflicts');
    codes.push(await codeOf(api.send('POST', '/v1/books', { body: { ...open, name: 'Renamed' } })));
    const docUuid = randomUUID();
    expect((await upload(open, docUuid, 'a.pdf')).status).toBe(202);
    codes.push(await codeOf(upload(open, docUuid, 'b.pdf')));
    await api.send('POST', '/v1/books/{book_uuid}/seal', { params: open });
    codes.push(await codeOf(upload(open, randomUUID(), 'late.pdf')));

    // A sealed empty book completes at once; its BOOK_COMPLETE goes to an endpoint that fails the first attempt and
    // answers the next slowly, so the delivery is still open (PENDING) when it is retried.
    const slow = await startReceiver((_, index) => (index === 0 ? { status: 503 } : { status: 200, delayMs: 5000 }));
    cleanups.push(slow.close);
    const hook = await api.send('POST', '/v1/endpoints', { body: { url: slow.url, events: ['BOOK_COMPLETE'] } });
    codes.push(await codeOf(api.send('POST', '/v1/endpoints', { body: { url: slow.url, events: ['BOOK_COMPLETE'] } })));
    const done = await book('Done');
    await api.send('POST', '/v1/books/{book_uuid}/seal', { params: done });
    const pending = await eventually(async () => {
      const { body } = await api.send('GET', '/v1/endpoints/{id}/deliveries', { params: { id: hook.body.id } });
      expect(body.data.map((d: { status: string }) => d.status)).toEqual(['PENDING']);
      return body.data[0].id as string;
    }, 30_000);
    codes.push(await codeOf(api.send('POST', '/v1/deliveries/{id}/retry', { params: { id: pending } })));
    const verify = () =>
      api.send('POST', '/v1/books/{book_uuid}/documents/{doc_uuid}/verification', {
        params: { ...done, doc_uuid: randomUUID() },
        body: { result: 'FAILED', reason: 'late' },
      });
    // 409 once the book's workflow has finished (until then it takes the result and ignores it).
    codes.push(await eventually(() => codeOf(verify()), 30_000, 500));

    expect(codes).toEqual([
      'book-uuid-taken',
      'doc-uuid-taken',
      'book-sealed',
      'destination-taken',
      'delivery-in-progress',
      'book-complete',
    ]);

    // Every type resolves, against the URL that answered, to its page on this API.
    const answered = `${system.apiUrl}/v1/books/${open.book_uuid}/documents`;
    for (const code of PROBLEM_CODES) {
      const page = await fetch(new URL(problemType(code), answered));
      expect(page.status, code).toBe(200);
      expect(page.headers.get('content-type'), code).toContain('text/html');
      expect(await page.text()).toContain(`code: "${code}"`);
    }
  }, 60_000);

  it('produced every success response the document lists', () => {
    expect(api.untested()).toEqual([]);
  });
});
