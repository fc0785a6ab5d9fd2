import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, inParallel } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * Every list, walked page by page through the real API: each row once, in the list's order, while rows are added
 * between the pages. A cursor that is not the list's own is refused, naming `cursor`.
 */

let system: TestSystem;
let api: ReturnType<typeof crm>;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  system = await startTestSystem({
    DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms',
    DELIVERY_WINDOW: '60s',
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
  });
  cleanups.push(system.stop);
  api = crm(system);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Reads every page of `path`, `limit` at a time, calling `between` after each page but the last; returns the items
 * in the order listed.
 */
async function walk<T>(path: string, limit: number, between: () => Promise<unknown> = async () => {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const response = await api.call('GET', `${path}${path.includes('?') ? '&' : '?'}${query.toString()}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const page = response.body as Page<T>;
    expect(page.data.length).toBeLessThanOrEqual(limit);
    items.push(...page.data);
    cursor = page.next_cursor;
    if (cursor) await between();
  } while (cursor);
  return items;
}

/** Each key once: what a walk must list. */
function expectOnce(listed: string[], expected: string[]) {
  expect(new Set(listed).size, `repeated: ${listed.join(', ')}`).toBe(listed.length);
  expect(listed).toEqual(expect.arrayContaining(expected));
}

async function refusedCursor(path: string, cursor: string) {
  const response = await api.call('GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`);
  expect(response.status, `${path} with ${cursor}`).toBe(400);
  expect(response.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
}

describe("a book's lists", () => {
  it('documents: each once in the order they were stored, while more are uploaded; the view lists 100', async () => {
    const bookUuid = await api.createBook({ name: 'Paged documents' });
    const before: string[] = [];
    for (let i = 0; i < 12; i++) before.push(await api.upload(bookUuid));
    const during: string[] = [];
    const listed = await walk<{ doc_uuid: string }>(`/v1/books/${bookUuid}/documents`, 5, async () => {
      during.push(await api.upload(bookUuid));
    });
    // Appended after every page read so far, each new document comes on a later page.
    expect(listed.map((d) => d.doc_uuid)).toEqual([...before, ...during]);

    // A book past the view's 100: the view lists the first 100 and its cursor pages on through the rest.
    const big = await api.createBook({ name: 'Big book' });
    const docs = Array.from({ length: 130 }, () => randomUUID());
    await inParallel(docs, 8, (doc) => api.upload(big, doc));
    const view = await api.get(big);
    expect(view.document_counts.total).toBe(130);
    expect(view.documents).toHaveLength(100);
    const rest = await api.call('GET', `/v1/books/${big}/documents?cursor=${view.documents_next_cursor as string}`);
    const all = [...view.documents, ...rest.body.data].map((d: { doc_uuid: string }) => d.doc_uuid);
    expect(rest.body.next_cursor).toBeNull();
    expectOnce(all, docs);
    expect(all).toHaveLength(130);
    expect((await api.get(bookUuid)).documents_next_cursor).toBeNull();

    // A cursor is good only for its own list and book.
    const first = await api.call('GET', `/v1/books/${big}/documents?limit=1`);
    await refusedCursor(`/v1/books/${bookUuid}/documents`, first.body.next_cursor as string);
    await refusedCursor(`/v1/books/${big}/events`, first.body.next_cursor as string);
    await refusedCursor(`/v1/books/${big}/documents`, 'bm90LWEtY3Vyc29y');
    await refusedCursor(`/v1/books/${big}/documents`, Buffer.from('["documents","x","1"]').toString('base64url'));
  }, 120_000);

  it("events, deliveries and attempts: each once, while another book's events add deliveries", async () => {
    const inbox = await startReceiver(() => ({ status: 200 }));
    // Fails three times, then takes it: four attempts to page through.
    const flaky = await startReceiver((_, index) => ({ status: index < 3 ? 500 : 200 }));
    cleanups.push(inbox.close, flaky.close);
    const hook = await api.call('POST', '/v1/endpoints', {
      url: inbox.url,
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
    });
    const flakyHook = await api.call('POST', '/v1/endpoints', { url: flaky.url, events: ['BOOK_COMPLETE'] });

    const bookUuid = await api.createBook({ name: 'Paged events' });
    for (let i = 0; i < 7; i++) await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
    await api.seal(bookUuid);
    await api.finished(bookUuid);
    const recorded = await eventually(async () => {
      const { body } = await api.call('GET', `/v1/books/${bookUuid}/events`);
      const deliveries = body.data.flatMap((e: { deliveries: Array<{ status: string }> }) => e.deliveries);
      expect(deliveries).toHaveLength(10);
      expect(deliveries.filter((d: { status: string }) => d.status !== 'DELIVERED')).toEqual([]);
      return body.data as Array<{ event_id: string; deliveries: Array<{ id: string; attempts: unknown[] }> }>;
    }, 60_000);
    expect(recorded).toHaveLength(9);

    const events = await walk<{ event_id: string }>(`/v1/books/${bookUuid}/events`, 2);
    expect(events).toEqual(recorded);

    // Another book's events add deliveries to the endpoint while its list is walked.
    const other = await api.createBook({ name: 'Meanwhile' });
    const allDeliveries = recorded.flatMap((event) => event.deliveries.map((d) => d.id));
    const bookDeliveries = await walk<{ id: string }>(`/v1/books/${bookUuid}/deliveries`, 3, async () => {
      await api.verify(other, await api.upload(other), 'SUCCEEDED');
    });
    expect(bookDeliveries.map((d) => d.id).sort()).toEqual([...allDeliveries].sort());
    const endpointDeliveries = await walk<{ id: string }>(`/v1/endpoints/${hook.body.id as string}/deliveries`, 2, () =>
      api.verify(other, randomUUID(), 'SUCCEEDED'),
    );
    expectOnce(
      endpointDeliveries.map((d) => d.id),
      allDeliveries.filter((id) => id.endsWith(hook.body.id as string)),
    );

    const flakyDelivery = recorded.flatMap((e) => e.deliveries).find((d) => d.id.endsWith(flakyHook.body.id as string));
    expect(flakyDelivery?.attempts).toHaveLength(4);
    const attempts = await walk<{ attempt: number }>(`/v1/deliveries/${flakyDelivery?.id as string}/attempts`, 1);
    expect(attempts).toEqual(flakyDelivery?.attempts);
    await refusedCursor(
      `/v1/deliveries/${flakyDelivery?.id as string}/attempts`,
      (await api.call('GET', `/v1/books/${bookUuid}/events?limit=1`)).body.next_cursor as string,
    );
    await api.seal(other);
  }, 120_000);
});

describe("the tenant's lists", () => {
  it('endpoints: each once, oldest first, while more are registered', async () => {
    const register = async () => {
      const response = await api.call('POST', '/v1/endpoints', {
        url: `http://127.0.0.1:9/${randomUUID()}`,
        events: ['BOOK_COMPLETE'],
      });
      return response.body.id as string;
    };
    const before = (await walk<{ id: string }>('/v1/endpoints', 100)).map((w) => w.id);
    for (let i = 0; i < 5; i++) before.push(await register());
    const during: string[] = [];
    const listed = await walk<{ id: string }>('/v1/endpoints', 2, async () => during.push(await register()));
    expect(listed.map((w) => w.id)).toEqual([...before, ...during]);
  });

  it('operational events: each once, newest first, while more happen', async () => {
    // Recorded as the disabling of an endpoint records them (that takes its whole failure window to happen).
    const record = () =>
      system.pool.query(
        `insert into operational_events (tenant_id, id, event_type, endpoint_id, payload)
         values ($1, $2, 'endpoint.disabled', null, '{}') returning id`,
        [system.tenantId, randomUUID()],
      );
    const before: string[] = [];
    for (let i = 0; i < 7; i++) before.unshift(((await record()).rows[0] as { id: string }).id);
    const listed = await walk<{ id: string }>('/v1/operational-events', 3, record);
    // Newer ones come before the first page: a walk begun earlier does not see them.
    expect(listed.map((e) => e.id)).toEqual(before);
  });
});
