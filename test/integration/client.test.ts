import { randomUUID } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.js';
import {
  BookbellClient,
  BookbellProblem,
  isProblem,
  items,
  OPERATIONS,
  pages,
  type BookStreamMessage,
} from '../../src/client/index.js';
import { statement } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * The typed client (`bookbell/client`) drives a whole book against a real API, worker, Temporal and PostgreSQL, as a
 * CRM would: an endpoint, a book watched live, uploads, results, the seal, every list walked a page at a time, and
 * the problems it meets surfaced typed.
 */

let system: TestSystem;
let client: BookbellClient;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
  client = new BookbellClient({ baseUrl: system.apiUrl, apiKey: system.apiKey });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await system?.stop();
});

/** Catches what `promise` rejects with (fails when it resolves). */
async function problemOf(promise: Promise<unknown>): Promise<BookbellProblem> {
  const err: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(err).toBeInstanceOf(BookbellProblem);
  return err as BookbellProblem;
}

describe('bookbell/client', () => {
  it('covers every operation of the OpenAPI document, by operationId, method and path', () => {
    const documented: Record<string, [string, string]> = {};
    for (const [path, item] of Object.entries(openApiDocument().paths ?? {})) {
      for (const [method, operation] of Object.entries(item as Record<string, { operationId?: string }>)) {
        if (operation.operationId) documented[operation.operationId] = [method.toUpperCase(), path];
      }
    }
    expect(OPERATIONS).toEqual(documented);
    for (const operationId of Object.keys(OPERATIONS)) {
      expect(typeof (BookbellClient.prototype as unknown as Record<string, unknown>)[operationId], operationId).toBe(
        'function',
      );
    }
  });

  it('takes a book from creation to ANALYTICS_COMPLETE, walks its pages and surfaces problems typed', async () => {
    const endpoint = await client.createEndpoint({
      url: receiver.url,
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
      description: 'the CRM',
    });
    expect(endpoint.secret).toMatch(/^whsec_/);

    const book = await client.createBook({ name: 'Q3 statements', metadata: { loan: 'L-1042' } });
    expect(book).toMatchObject({ name: 'Q3 statements', metadata: { loan: 'L-1042' } });
    // Watch it live until it finishes: the stream says when, no polling.
    const abort = new AbortController();
    const seen: BookStreamMessage[] = [];
    const finished = (async () => {
      for await (const message of client.streamBook(book.book_uuid, { signal: abort.signal })) {
        seen.push(message);
        if (message.event === 'book.status' && message.data.status === 'ANALYTICS_COMPLETE') return;
      }
    })();

    const docs = [randomUUID(), randomUUID(), randomUUID()];
    const months = ['07', '08', '09'];
    for (const [i, doc] of docs.entries()) {
      const month = months[i] as string;
      const uploaded = await client.uploadDocument(book.book_uuid, { doc_uuid: doc, name: `${month}.pdf` });
      expect(uploaded).toEqual({ doc_uuid: doc, status: 'VERIFYING' });
      const balances = { start: `${1000 + i * 250}.00`, end: `${1250 + i * 250}.00`, deposits: '300.00' };
      await client.submitVerification(book.book_uuid, doc, {
        result: 'SUCCEEDED',
        fields: statement('CHK-1', `2026-${month}-01`, `2026-${month}-28`, { ...balances, withdrawals: '50.00' }),
      });
    }
    // A repeat with the same Idempotency-Key is answered as the first was.
    const sealed = await client.sealBook(book.book_uuid, { idempotencyKey: `seal-${book.book_uuid}` });
    expect(await client.sealBook(book.book_uuid, { idempotencyKey: `seal-${book.book_uuid}` })).toEqual(sealed);
    await finished;
    abort.abort();
    expect(seen[0]?.event).toBe('book');

    const view = await client.getBook(book.book_uuid);
    expect(view.status).toBe('ANALYTICS_COMPLETE');
    expect(view.document_counts).toMatchObject({ total: 3, verified: 3 });

    // Every list a page at a time: one item to a page, so the iterator follows next_cursor.
    const documents = [];
    for await (const doc of items((cursor) => client.listBookDocuments(book.book_uuid, { limit: 1, cursor }))) {
      documents.push(doc.doc_uuid);
    }
    expect(documents).toEqual(docs);
    const eventPages = [];
    for await (const page of pages((cursor) => client.listBookEvents(book.book_uuid, { limit: 2, cursor }))) {
      eventPages.push(page.data.map((event) => event.event_name));
    }
    expect(eventPages.flat()).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(eventPages).toHaveLength(3);
    const feed = [];
    for await (const event of items((after) => client.listEvents({ book_uuid: book.book_uuid, limit: 2, after }))) {
      feed.push(event);
    }
    expect(feed.map((event) => event.event_name)).toEqual(eventPages.flat());
    // The live feed resumes after a cursor the list gave.
    for await (const event of client.streamEvents({ book_uuid: book.book_uuid, last_event_id: feed[3]?.cursor })) {
      expect(event.event_id).toBe(feed[4]?.event_id);
      break;
    }
    const books = await client.listBooks({ q: 'Q3 statements' });
    expect(books.data.map((summary) => summary.book_uuid)).toEqual([book.book_uuid]);

    // The deliveries reached the receiver, signed with the secret the endpoint was given.
    const deliveries = await eventually(async () => {
      const list = await client.listBookDeliveries(book.book_uuid, { status: 'DELIVERED' });
      expect(list.data).toHaveLength(5);
      return list.data;
    });
    const verifier = new StandardWebhook(endpoint.secret as string);
    for (const received of receiver.requests)
      expect(() => verifier.verify(received.body, received.headers as Record<string, string>)).not.toThrow();
    const first = deliveries[0]!;
    const attempts = await client.listDeliveryAttempts(first.id);
    expect(attempts.data[0]).toMatchObject({ attempt: 1, status_code: 200 });
    expect(await client.retryDelivery(first.id)).toEqual({ id: first.id, status: 'PENDING' });
    await eventually(async () =>
      expect((await client.listDeliveryAttempts(first.id)).data.map((a) => a.attempt)).toEqual([1, 2]),
    );
    const byEndpoint = [];
    for await (const delivery of items((cursor) => client.listEndpointDeliveries(endpoint.id, { limit: 2, cursor }))) {
      byEndpoint.push(delivery.id);
    }
    expect(byEndpoint.sort()).toEqual(deliveries.map((delivery) => delivery.id).sort());
    expect(await client.recoverEndpointDeliveries(endpoint.id, { since: book.created_at })).toEqual({
      redelivering: 0,
    });

    // Problems come back typed: branch on code, show detail.
    const sealedProblem = await problemOf(client.uploadDocument(book.book_uuid, { name: 'late.pdf' }));
    expect(sealedProblem).toMatchObject({ status: 409, code: 'book-sealed' });
    expect(sealedProblem.detail).toMatch(/sealed/);
    expect(isProblem(sealedProblem, 'book-sealed', 'book-complete')).toBe(true);
    const invalid = await problemOf(client.createBook({ name: ' ' }));
    expect(invalid).toMatchObject({ status: 400, code: 'invalid-request' });
    expect(invalid.errors.map((error) => error.field)).toEqual(['name']);
    const stranger = new BookbellClient({ baseUrl: system.apiUrl, apiKey: 'bb_notakeynotakeynotakeynotakeyno' });
    expect(await problemOf(stranger.getBook(book.book_uuid))).toMatchObject({ status: 401, code: 'api-key-invalid' });
  });

  it('manages endpoints and reads the process endpoints', async () => {
    const created = await client.createEndpoint({ url: `${receiver.url}/other`, events: ['BOOK_COMPLETE'] });
    const listed = [];
    for await (const endpoint of items((cursor) => client.listEndpoints({ limit: 1, cursor })))
      listed.push(endpoint.id);
    expect(listed).toContain(created.id);
    expect(await client.updateEndpoint(created.id, { active: false })).toMatchObject({ id: created.id, active: false });
    expect((await client.getEndpoint(created.id)).active).toBe(false);
    const rotated = await client.rotateEndpointSecret(created.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(await client.testEndpoint(created.id)).toMatchObject({ delivered: true, status_code: 200 });
    expect((await client.listOperationalEvents()).data).toEqual([]);
    await client.deleteEndpoint(created.id);
    expect(await problemOf(client.getEndpoint(created.id))).toMatchObject({ status: 404, code: 'endpoint-not-found' });

    const anonymous = new BookbellClient({ baseUrl: system.apiUrl });
    expect(await anonymous.getHealth()).toEqual({ status: 'ok' });
    expect(await anonymous.getReadiness()).toEqual({ status: 'ready', postgres: 'ok', temporal: 'ok' });
    expect(await anonymous.getMetrics()).toMatch(/^bookbell_http_request_duration_seconds_count/m);
  });
});
