import { afterEach, describe, expect, it } from 'vitest';
import { fanOut } from '../../activities/fan-out.js';
import { asEventId } from '../../src/contract/ids.js';
import type { EventType } from '../../src/contract/book.js';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { confirmAddress, startSmtpServer } from '../support/smtp.js';
import { startTestSystem } from '../support/system.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A tenant whose server posts to loopback receivers and mails through a real SMTP server on loopback. */
async function setup() {
  const smtp = await startSmtpServer();
  cleanups.push(smtp.close);
  const system = await startTestSystem({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'bookbell <notify@bookbell.test>',
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
    DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms',
    DELIVERY_WINDOW: '60s',
  });
  cleanups.push(system.stop);
  const api = crm(system);
  /** A book of `results` (one document each), sealed and finished: every event recorded and fanned out. */
  const runBook = async (metadata: Record<string, string>, results: Array<'SUCCEEDED' | 'FAILED'>) => {
    const bookUuid = await api.createBook({ name: `Book of ${metadata.branch ?? metadata.loan_officer}`, metadata });
    for (const result of results) {
      const docUuid = await api.upload(bookUuid);
      await api.verify(bookUuid, docUuid, result, result === 'FAILED' ? { reason: 'Image unreadable' } : {});
    }
    await api.seal(bookUuid);
    await api.finished(bookUuid);
    return bookUuid;
  };
  const endpoint = async (id: string) => (await api.call('GET', `/v1/endpoints/${id}`)).body;
  const deliveries = async (id: string) =>
    (await api.call('GET', `/v1/endpoints/${id}/deliveries`)).body.data as Array<{ event_id: string }>;
  return { smtp, system, api, runBook, endpoint, deliveries };
}

const ALL_EVENTS = ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'];
const FAILED_IN_BRANCH = {
  all: [
    { field: 'result', eq: 'FAILED' },
    { field: 'metadata.branch', in: ['north', 'south'] },
  ],
};

describe('endpoint filters', () => {
  it('deliver only the matching events of real books, count the skipped ones once, and restart the count on a new filter', async () => {
    const { system, api, runBook, endpoint, deliveries } = await setup();
    const inbox = await startReceiver();
    cleanups.push(inbox.close);
    const created = await api.call('POST', '/v1/endpoints', {
      url: `${inbox.url}/failures`,
      events: ALL_EVENTS,
      filter: FAILED_IN_BRANCH,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ filter: FAILED_IN_BRANCH, filter_skipped: { count: 0 } });
    const id = created.body.id as string;
    const control = await api.call('POST', '/v1/endpoints', { url: `${inbox.url}/all`, events: ALL_EVENTS });

    const north = await runBook({ branch: 'north', loan_officer: 'ana' }, ['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    await runBook({ branch: 'west' }, ['FAILED']);

    // North's failed verification only: the other 4 events of north and the 3 of west were skipped.
    const log = await deliveries(id);
    expect(log).toHaveLength(1);
    await eventually(() => expect(inbox.requests.filter((r) => r.path.endsWith('/failures'))).toHaveLength(1));
    const [received] = inbox.requests.filter((r) => r.path.endsWith('/failures'));
    expect(received?.json).toMatchObject({ event_name: 'VERIFICATION_COMPLETE', result: 'FAILED', book_uuid: north });
    expect(await deliveries(control.body.id)).toHaveLength(8);
    const counted = await endpoint(id);
    expect(counted.filter_skipped).toEqual({ count: 7, since: created.body.filter_skipped.since });
    expect(await endpoint(control.body.id)).toMatchObject({ filter: null, filter_skipped: null });

    // The fan-out activity retried (as Temporal would after a lost completion): nothing new, nothing counted twice.
    const events = (await api.call('GET', `/v1/books/${north}/events`)).body.data as Array<{
      event_id: string;
      event_name: EventType;
    }>;
    expect(events).toHaveLength(5);
    const deps = { pool: system.pool, temporal: system.client, taskQueue: system.taskQueue };
    const again = events.map((e) => ({ eventId: asEventId(e.event_id), type: e.event_name }));
    await fanOut(deps, system.tenantId, north, again);
    await fanOut(deps, system.tenantId, north, again);
    expect((await endpoint(id)).filter_skipped.count).toBe(7);
    expect(await deliveries(id)).toHaveLength(1);
    expect(await deliveries(control.body.id)).toHaveLength(8);

    // A bad filter is refused by path and changes nothing.
    const refused = await api.call('PATCH', `/v1/endpoints/${id}`, {
      filter: {
        all: [
          { field: 'result', eq: 'FAIL' },
          { field: 'loan_officer', eq: 'ana' },
        ],
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body.errors).toEqual([
      { field: 'filter.all.0.eq', message: 'must be one of SUCCEEDED, FAILED' },
      { field: 'filter.all.1.field', message: expect.stringContaining('or metadata.<key>') },
    ]);
    expect(await endpoint(id)).toEqual(counted);

    // The same filter again keeps the count; another one starts it afresh; null removes it.
    const same = await api.call('PATCH', `/v1/endpoints/${id}`, { filter: FAILED_IN_BRANCH, description: 'failures' });
    expect(same.body.filter_skipped).toEqual(counted.filter_skipped);
    const officer = { field: 'metadata.loan_officer', eq: 'ana' };
    const changed = await api.call('PATCH', `/v1/endpoints/${id}`, { filter: officer });
    expect(changed.body.filter).toEqual(officer);
    expect(changed.body.filter_skipped.count).toBe(0);
    expect(Date.parse(changed.body.filter_skipped.since)).toBeGreaterThan(Date.parse(counted.filter_skipped.since));
    await runBook({ branch: 'east' }, ['SUCCEEDED']); // not ana's: its 3 events are skipped
    expect((await endpoint(id)).filter_skipped.count).toBe(3);
    const cleared = await api.call('PATCH', `/v1/endpoints/${id}`, { filter: null });
    expect(cleared.body).toMatchObject({ filter: null, filter_skipped: null });
    await runBook({ branch: 'east' }, ['SUCCEEDED']);
    expect(await deliveries(id)).toHaveLength(4);
  });

  it('filter what an e-mail endpoint receives: only the loan officer’s books with a failed document', async () => {
    const { smtp, system, api, runBook, endpoint, deliveries } = await setup();
    const filter = {
      all: [
        { field: 'metadata.loan_officer', eq: 'ana' },
        { field: 'book.has_failed_documents', eq: true },
      ],
    };
    const created = await api.call('POST', '/v1/endpoints', {
      email: 'ana@bank.test',
      events: ['BOOK_COMPLETE'],
      filter,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await confirmAddress(smtp, system.apiUrl, 'ana@bank.test');

    await runBook({ loan_officer: 'ana', branch: 'north' }, ['SUCCEEDED']);
    const wanted = await runBook({ loan_officer: 'ana', branch: 'south' }, ['SUCCEEDED', 'FAILED']);
    await runBook({ loan_officer: 'bob', branch: 'west' }, ['FAILED']);

    const log = await deliveries(created.body.id);
    expect(log.map((d) => d.event_id)).toEqual([expect.stringContaining(wanted.replace(/-/g, ''))]);
    expect((await endpoint(created.body.id)).filter_skipped.count).toBe(2);
    await eventually(() => expect(smtp.mails).toHaveLength(1));
    expect(smtp.mails[0]?.to).toEqual(['ana@bank.test']);
    expect(smtp.mails[0]?.subject).toBe("Book 'Book of south' is complete: 1 verified, 1 failed");
  });
});
