import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { startOfUtcDay, TenantSummarySchema, type TenantSummary } from '../../src/contract/summary.js';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * GET /v1/summary against a real API, worker, Temporal and PostgreSQL: the counts move as a real book is created,
 * fails a verification, seals and completes, and another tenant's books never count.
 */

let system: TestSystem;
let owner: ReturnType<typeof crm>;
let stranger: ReturnType<typeof crm> & { key: string };
/** Before anything of this file happened: every count since then is this file's doing. */
let started: string;

const get = (path: string, key = system.apiKey) =>
  request(system.apiUrl, 'GET', path, undefined, { authorization: `Bearer ${key}` });

async function summary(since = started, key = system.apiKey): Promise<TenantSummary> {
  const response = await get(`/v1/summary?since=${encodeURIComponent(since)}`, key);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return TenantSummarySchema.parse(response.body);
}

/** Waits until the summary shows `counts` (the worker records each step a moment after the API accepted it). */
const shows = (counts: Partial<TenantSummary>, key?: string) =>
  eventually(async () => expect(await summary(started, key)).toMatchObject(counts), 30_000);

beforeAll(async () => {
  started = new Date(Date.now() - 1000).toISOString();
  system = await startTestSystem();
  owner = crm(system);
  const strangerTenant = `stranger-${randomUUID().slice(0, 8)}`;
  const { key } = await createApiKey(system.pool, strangerTenant, 'stranger');
  stranger = { ...crm({ ...system, apiKey: key, tenantId: strangerTenant }), key };
});

afterAll(async () => {
  await system?.stop();
});

describe('GET /v1/summary', () => {
  it('counts a book open, then waiting, then complete, and its failed verification', async () => {
    expect(await summary()).toEqual({
      since: started,
      open: 0,
      waiting: 0,
      complete_since: 0,
      failed_verifications_since: 0,
    });

    const book = await owner.createBook({ name: 'Q3 statements' });
    await shows({ open: 1, waiting: 0 });
    const [july, august] = [await owner.upload(book), await owner.upload(book)];
    await owner.verify(book, july, 'FAILED', { reason: 'Unreadable' });
    await shows({ open: 1, failed_verifications_since: 1 });

    await owner.seal(book);
    await owner.waitFor(book, 'SEALED');
    await shows({ open: 0, waiting: 1, complete_since: 0 });

    await owner.verify(book, august, 'SUCCEEDED');
    await owner.finished(book);
    expect(await summary()).toEqual({
      since: started,
      open: 0,
      waiting: 0,
      complete_since: 1,
      failed_verifications_since: 1,
    });
    // From a time after it all, only what is open or waiting now counts.
    const after = new Date().toISOString();
    expect(await summary(after)).toMatchObject({ since: after, complete_since: 0, failed_verifications_since: 0 });
  });

  it("never counts another tenant's books, and counts that tenant's own", async () => {
    const before = await summary();
    const theirs = await stranger.createBook({ name: 'Not yours' });
    const doc = await stranger.upload(theirs);
    await stranger.verify(theirs, doc, 'FAILED');
    await stranger.seal(theirs);
    await stranger.finished(theirs);

    await shows({ complete_since: 1, failed_verifications_since: 1 }, stranger.key);
    expect(await summary()).toEqual(before);
  });

  it('counts from the start of the UTC day without `since`', async () => {
    const dayBefore = startOfUtcDay().toISOString();
    const response = await get('/v1/summary');
    expect(response.status).toBe(200);
    // Equal unless the run crossed midnight UTC in between.
    expect([dayBefore, startOfUtcDay().toISOString()]).toContain(response.body.since);
  });

  it('refuses a `since` that is no time, in the future or over 31 days ago, naming the field', async () => {
    const day = 24 * 60 * 60_000;
    for (const since of [
      'yesterday',
      '2026-12-02',
      new Date(Date.now() + day).toISOString(),
      new Date(Date.now() - 32 * day).toISOString(),
    ]) {
      const response = await get(`/v1/summary?since=${encodeURIComponent(since)}`);
      expect(response.status, since).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ code: 'invalid-request', errors: [{ field: 'since' }] });
    }
    const unknown = await get('/v1/summary?until=2026-12-02T00:00:00Z');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'until', message: 'is not a known field' }]);
    // An offset is a time like any other.
    const local = new Date(Date.now() - 60 * 60_000).toISOString().replace('Z', '+00:00');
    expect((await get(`/v1/summary?since=${encodeURIComponent(local)}`)).status).toBe(200);
  });
});
