import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventFeedPageSchema, FeedEventSchema, type FeedEvent } from '../../src/contract/event-feed.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { openStream, type SseMessage } from '../support/sse.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * GET /v1/events and GET /v1/events/stream against a real API, worker, Temporal and PostgreSQL: real books make the
 * events; the ordering case writes rows itself, with two transactions committing in the order that breaks a feed
 * ordered by sequence alone.
 */

let system: TestSystem;
let owner: ReturnType<typeof crm>;
let stranger: ReturnType<typeof crm> & { key: string };
const streams: Array<{ close: () => Promise<void> }> = [];
/** Books of the owner: one with two verified documents, one sealed empty. */
let full: string;
let empty: string;
let strangerBook: string;

const get = (path: string, key = system.apiKey) =>
  request(system.apiUrl, 'GET', path, undefined, { authorization: `Bearer ${key}` });

/** Every event of the feed at `query`, following next_cursor page by page. */
async function readAll(query: Record<string, string> = {}, key = system.apiKey) {
  const events: FeedEvent[] = [];
  let after: string | null | undefined = query.after;
  let pages = 0;
  do {
    const params = new URLSearchParams({ ...query, ...(after ? { after } : {}) });
    const response = await get(`/v1/events?${params.toString()}`, key);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const page = EventFeedPageSchema.parse(response.body);
    events.push(...page.data);
    after = page.next_cursor;
    pages += 1;
  } while (after);
  return { events, pages };
}

async function stream(query = '', headers: Record<string, string> = {}, key = system.apiKey) {
  const opened = await openStream(`${system.apiUrl}/v1/events/stream${query}`, {
    authorization: `Bearer ${key}`,
    ...headers,
  });
  streams.push(opened);
  return opened;
}

/** The stream's events, checked against the contract; `count` of them at least. */
async function received(live: Awaited<ReturnType<typeof stream>>, count: number): Promise<FeedEvent[]> {
  await eventually(() => expect(live.messages.length).toBeGreaterThanOrEqual(count), 30_000, 20);
  return live.messages.map((message: SseMessage) => {
    expect(message.event).toBe('event');
    const event = FeedEventSchema.parse(message.data);
    expect(message.id).toBe(event.cursor);
    return event;
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 600));
const ids = (events: FeedEvent[]) => events.map((event) => event.event_id);

beforeAll(async () => {
  system = await startTestSystem({ STREAM_HEARTBEAT_MS: '300' });
  owner = crm(system);
  const strangerTenant = `stranger-${randomUUID().slice(0, 8)}`;
  const { key } = await createApiKey(system.pool, strangerTenant, 'stranger');
  stranger = { ...crm({ ...system, apiKey: key, tenantId: strangerTenant }), key };

  full = await owner.createBook({ name: 'Two statements' });
  empty = await owner.createBook({ name: 'Sealed empty' });
  strangerBook = await stranger.createBook({ name: 'Not yours' });
  const [january, february] = [await owner.upload(full), await owner.upload(full)];
  await owner.verify(full, january, 'SUCCEEDED');
  await owner.verify(full, february, 'FAILED', { reason: 'Unreadable' });
  await Promise.all([owner.seal(full), owner.seal(empty), stranger.seal(strangerBook)]);
  await Promise.all([owner.finished(full), owner.finished(empty), stranger.finished(strangerBook)]);
});

afterAll(async () => {
  for (const opened of streams) await opened.close();
  await system?.stop();
});

describe('GET /v1/events', () => {
  it("lists every event of the tenant's books, oldest first, with its book and the body endpoints carry", async () => {
    const { events } = await readAll({ limit: '100' });
    for (const bookUuid of [full, empty]) {
      const book = await get(`/v1/books/${bookUuid}/events`);
      const own = events.filter((event) => event.book_uuid === bookUuid);
      // The book's events, in the book's order, with the same bodies.
      expect(ids(own)).toEqual(book.body.data.map((event: { event_id: string }) => event.event_id));
      expect(own.map((event) => event.payload)).toEqual(
        book.body.data.map((event: { payload: unknown }) => event.payload),
      );
    }
    expect(events).toHaveLength(events.filter((e) => e.book_uuid === full || e.book_uuid === empty).length);
    expect(events.filter((event) => event.book_uuid === full).map((event) => event.event_name)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    const complete = events.find((event) => event.book_uuid === full && event.event_name === 'BOOK_COMPLETE');
    expect(complete?.payload).toMatchObject({ book_uuid: full, book_name: 'Two statements', status: 'BOOK_COMPLETE' });
  });

  it("never shows another tenant's events, and shows that tenant only its own", async () => {
    const mine = await readAll({ limit: '100' });
    expect(mine.events.some((event) => event.book_uuid === strangerBook)).toBe(false);
    const theirs = await readAll({ limit: '100' }, stranger.key);
    expect(theirs.events.length).toBeGreaterThan(0);
    expect(new Set(theirs.events.map((event) => event.book_uuid))).toEqual(new Set([strangerBook]));
    // A book of another tenant as a filter finds nothing, rather than its events.
    expect((await readAll({ book_uuid: strangerBook })).events).toEqual([]);
  });

  it('filters by type and by book', async () => {
    const { events: all } = await readAll({ limit: '100' });
    const completes = await readAll({ type: 'BOOK_COMPLETE' });
    expect(ids(completes.events)).toEqual(ids(all.filter((event) => event.event_name === 'BOOK_COMPLETE')));
    expect(completes.events.map((event) => event.book_uuid).sort()).toEqual([full, empty].sort());
    const ofEmpty = await readAll({ book_uuid: empty.toUpperCase() });
    expect(ids(ofEmpty.events)).toEqual(ids(all.filter((event) => event.book_uuid === empty)));
    const both = await readAll({ book_uuid: full, type: 'VERIFICATION_COMPLETE' });
    expect(both.events.map((event) => event.doc_uuid)).toHaveLength(2);
    expect(both.events.every((e) => e.book_uuid === full && e.event_name === 'VERIFICATION_COMPLETE')).toBe(true);
  });

  it('pages through everything with a small limit: every event exactly once, in order', async () => {
    const { events: all } = await readAll({ limit: '100' });
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const limit of ['1', '2', '4']) {
      const paged = await readAll({ limit });
      expect(ids(paged.events)).toEqual(ids(all));
      // A full last page has no next_cursor: limit + 1 rows are read, the extra one only says there is more.
      expect(paged.pages).toBe(Math.ceil(all.length / Number(limit)));
    }
    // An event's cursor continues after it, as next_cursor does.
    const middle = Math.floor(all.length / 2);
    const rest = await readAll({ after: (all[middle] as FeedEvent).cursor, limit: '3' });
    expect(ids(rest.events)).toEqual(ids(all.slice(middle + 1)));
    const last = await get(`/v1/events?after=${(all.at(-1) as FeedEvent).cursor}`);
    expect(last.body).toEqual({ data: [], next_cursor: null });
  });

  it('refuses a cursor it did not issue and bad filters with a problem naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['after=x', 'after'],
      ['after=eyJjcmVhdGVkQXQiOjF9', 'after'],
      ['after=1-2-3', 'after'],
      ['after=99999999999999999999999-1', 'after'],
      ['after=a%20b', 'after'],
      ['type=BOOK_DONE', 'type'],
      ['book_uuid=not-a-uuid', 'book_uuid'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['cursor=abc', 'cursor'],
      ['type=BOOK_COMPLETE&type=ANALYTICS_COMPLETED', 'type'],
    ];
    for (const [query, field] of cases) {
      const response = await get(`/v1/events?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(
        response.body.errors.map((error: { field: string }) => error.field),
        query,
      ).toEqual([field]);
    }
    expect((await request(system.apiUrl, 'GET', '/v1/events')).status).toBe(401);
  });

  it('skips nothing when a transaction with an earlier event commits after one with a later event', async () => {
    // A tenant of its own, whose events this test writes directly.
    const tenantId = `order-${randomUUID().slice(0, 8)}`;
    const { key } = await createApiKey(system.pool, tenantId, 'ordering');
    const bookUuid = randomUUID();
    await system.pool.query('insert into books (tenant_id, book_uuid, name) values ($1, $2, $3)', [
      tenantId,
      bookUuid,
      'Concurrent writers',
    ]);
    // A BOOK_COMPLETE body as the workflow writes it, so the feed's answers still meet the contract.
    const insert = (client: pg.ClientBase, eventId: string) =>
      client.query(
        `insert into events (tenant_id, event_id, book_uuid, event_type, occurred_at, payload)
         values ($1, $2, $3, 'BOOK_COMPLETE', now(), $4) returning seq::text`,
        [
          tenantId,
          eventId,
          bookUuid,
          {
            event_id: eventId,
            event_name: 'BOOK_COMPLETE',
            occurred_at: new Date().toISOString(),
            status: 'BOOK_COMPLETE',
            notification_type: 'STATUS',
            severity: 'LOW',
            notification_reason: 'Written by the ordering test.',
            book_uuid: bookUuid,
            book_name: 'Concurrent writers',
            uploaded_docs: [],
          },
        ],
      );
    const live = await stream('', {}, key);
    const before = await system.pool.connect();
    await insert(before, 'evt_before').finally(() => before.release());
    const start = (await readAll({}, key)).events;
    expect(ids(start)).toEqual(['evt_before']);
    const position = (start[0] as FeedEvent).cursor;

    const [first, second] = [await system.pool.connect(), await system.pool.connect()];
    try {
      await first.query('begin');
      const early = await insert(first, 'evt_early');
      await second.query('begin');
      const late = await insert(second, 'evt_late');
      expect(BigInt(early.rows[0].seq)).toBeLessThan(BigInt(late.rows[0].seq));
      await second.query('commit');

      // The later event is committed, the earlier one not yet: a reader now must not pass the earlier one's place.
      const between = await readAll({ after: position }, key);
      const seen = [...between.events];
      expect(ids(between.events)).toEqual([]);
      await first.query('commit');

      const next = await readAll({ after: seen.at(-1)?.cursor ?? position }, key);
      seen.push(...next.events);
      expect(ids(seen)).toEqual(['evt_early', 'evt_late']);
      expect(ids((await readAll({}, key)).events)).toEqual(['evt_before', 'evt_early', 'evt_late']);
    } finally {
      first.release();
      second.release();
    }
    // The stream, open all along, sent each once, in the same order.
    const streamed = await received(live, 3);
    await settle();
    expect(ids(live.messages.map((m) => m.data))).toEqual(ids(streamed));
    expect(ids(streamed)).toEqual(['evt_before', 'evt_early', 'evt_late']);
  });

  it('is not held back by a long transaction of another database on the same PostgreSQL server', async () => {
    const neighbour = `neighbour_${randomUUID().slice(0, 8)}`;
    await system.pool.query(`create database ${neighbour}`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${neighbour}`;
    const other = new pg.Client({ connectionString: url.toString() });
    await other.connect();
    try {
      // Another application's transaction, holding a transaction id for as long as this test runs.
      await other.query('begin');
      await other.query('select pg_current_xact_id()');
      const bookUuid = await owner.createBook({ name: 'Next door' });
      await owner.seal(bookUuid);
      await owner.finished(bookUuid);
      const { events } = await readAll({ book_uuid: bookUuid });
      expect(events.map((event) => event.event_name)).toEqual(['BOOK_COMPLETE', 'ANALYTICS_COMPLETED']);
    } finally {
      await other.query('rollback');
      await other.end();
      await system.pool.query(`drop database ${neighbour}`);
    }
  });
});

describe('GET /v1/events/stream', () => {
  it('resumes after Last-Event-ID with exactly the events after it, filtered as asked', async () => {
    const { events: all } = await readAll({ limit: '100' });
    const from = 1;
    const expected = all.slice(from + 1);
    const resumed = await stream('', { 'last-event-id': (all[from] as FeedEvent).cursor });
    const got = await received(resumed, expected.length);
    await settle();
    expect(resumed.messages).toHaveLength(expected.length);
    expect(got).toEqual(expected);

    // The same through the query parameter, with a filter.
    const completes = expected.filter((event) => event.event_name === 'BOOK_COMPLETE');
    const viaQuery = await stream(`?type=BOOK_COMPLETE&last_event_id=${(all[from] as FeedEvent).cursor}`);
    expect(ids(await received(viaQuery, completes.length))).toEqual(ids(completes));
    const ofEmpty = all.filter((event, i) => i > 0 && event.book_uuid === empty);
    const ofBook = await stream(`?book_uuid=${empty}&last_event_id=${(all[0] as FeedEvent).cursor}`);
    expect(ids(await received(ofBook, ofEmpty.length))).toEqual(ids(ofEmpty));
  });

  it("sends new events of every book live, and never another tenant's", async () => {
    const live = await stream();
    const completes = await stream('?type=BOOK_COMPLETE');
    expect(live.response.status).toBe(200);
    expect(live.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // Each stream holds its starting position once it answered: nothing from here on is missed.
    const first = await owner.createBook({ name: 'Live one' });
    const second = await owner.createBook({ name: 'Live two' });
    const foreign = await stranger.createBook({ name: 'Foreign live' });
    await owner.verify(first, randomUUID(), 'SUCCEEDED');
    await Promise.all([owner.seal(first), owner.seal(second), stranger.seal(foreign)]);
    await Promise.all([owner.finished(first), owner.finished(second), stranger.finished(foreign)]);

    const { events: all } = await readAll({ limit: '100' });
    const fresh = all.filter((event) => event.book_uuid === first || event.book_uuid === second);
    expect(fresh).toHaveLength(5); // one verification, two BOOK_COMPLETE, two ANALYTICS_COMPLETED
    const got = await received(live, fresh.length);
    await settle();
    expect(got).toEqual(fresh);
    expect(live.messages).toHaveLength(fresh.length);
    expect(ids(await received(completes, 2))).toEqual(ids(fresh.filter((e) => e.event_name === 'BOOK_COMPLETE')));
    expect(completes.messages).toHaveLength(2);
  });

  it('refuses a bad Last-Event-ID and bad filters', async () => {
    const headers = { authorization: `Bearer ${system.apiKey}` };
    const badId = await fetch(`${system.apiUrl}/v1/events/stream`, { headers: { ...headers, 'last-event-id': 'x' } });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe('Last-Event-ID');
    for (const [query, field] of [
      ['type=nope', 'type'],
      ['book_uuid=1', 'book_uuid'],
      ['last_event_id=1', 'last_event_id'],
      ['limit=5', 'limit'],
    ]) {
      const response = await fetch(`${system.apiUrl}/v1/events/stream?${query}`, { headers });
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = (await response.json()) as { errors: Array<{ field: string }> };
      expect(body.errors.map((error) => error.field)).toEqual([field]);
    }
    expect((await fetch(`${system.apiUrl}/v1/events/stream`)).status).toBe(401);
  });
});
