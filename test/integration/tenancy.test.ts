import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { eventId } from '../../workflows/book-state.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let owner: ReturnType<typeof crm>;
let stranger: ReturnType<typeof crm>;

beforeAll(async () => {
  system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
  owner = crm(system);
  const { key } = await createApiKey(system.pool, `other-${randomUUID().slice(0, 8)}`);
  stranger = crm({ ...system, apiKey: key });
});
afterAll(async () => {
  await system?.stop();
});

/**
 * Runs `npm run keys` without blocking this process: the API under test runs in it, and a blocked event loop let a
 * keep-alive connection expire unseen (the next request got ECONNRESET).
 */
const keysCli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/bin/keys.ts', ...args],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, DATABASE_URL: inject('databaseUrl') }, encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });

describe('API keys', () => {
  it('refuses requests without a valid key with a 401 problem, and lets /healthz through', async () => {
    for (const authorization of [undefined, 'Basic abc', 'Bearer not-a-key', `Bearer bb_${'x'.repeat(32)}`]) {
      const response = await request(
        system.apiUrl,
        'GET',
        '/v1/books',
        undefined,
        authorization ? { authorization } : {},
      );
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="bookbell"');
    }
    expect((await request(system.apiUrl, 'GET', '/healthz')).status).toBe(200);
  });

  it('stores only a hash, and the CLI creates, lists and revokes keys', async () => {
    const created = await keysCli('create', '--tenant', 'cli-tenant', '--name', 'CRM prod');
    expect(created.status, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n').at(-1) as string;
    expect(key).toMatch(/^bb_[0-9A-Za-z]{32}$/);
    const { rows } = await system.pool.query('select * from api_keys where tenant_id = $1', ['cli-tenant']);
    expect(JSON.stringify(rows)).not.toContain(key);

    const client = crm({ ...system, apiKey: key });
    expect((await client.call('GET', '/v1/books')).status).toBe(200);
    const listed = await keysCli('list', '--tenant', 'cli-tenant');
    expect(listed.stdout).toContain(`${key.slice(0, 10)}…  full  CRM prod  active`);
    const id = listed.stdout.split(/\s+/)[0] as string;
    expect((await keysCli('revoke', id)).status).toBe(0);
    expect((await client.call('GET', '/v1/books')).status).toBe(401);
    expect((await keysCli('create', '--tenant', 'Not A Tenant')).stderr).toContain('--tenant is required');
  });
});

describe('tenant isolation', () => {
  it("gives another tenant's key a 404 for every book, document and endpoint route, and changes nothing", async () => {
    const bookUuid = await owner.createBook({ name: 'Private book' });
    const docUuid = await owner.upload(bookUuid);
    const endpoint = (
      await owner.call('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/hook', events: ['BOOK_COMPLETE'] })
    ).body;
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/v1/books/${bookUuid}`],
      ['GET', `/v1/books/${bookUuid}/events`],
      ['POST', `/v1/books/${bookUuid}/documents`, { name: 'x.pdf' }],
      ['POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, { result: 'FAILED' }],
      ['POST', `/v1/books/${bookUuid}/seal`],
      ['GET', `/v1/endpoints/${endpoint.id}`],
      ['PATCH', `/v1/endpoints/${endpoint.id}`, { active: false }],
      ['GET', `/v1/endpoints/${endpoint.id}/deliveries`],
      ['POST', `/v1/endpoints/${endpoint.id}/rotate-secret`],
      ['POST', `/v1/endpoints/${endpoint.id}/test`],
      ['POST', `/v1/endpoints/${endpoint.id}/recover`, { since: new Date(0).toISOString() }],
      ['POST', `/v1/deliveries/${eventId(bookUuid, 'BOOK_COMPLETE', undefined, system.tenantId)}.${endpoint.id}/retry`],
      ['DELETE', `/v1/endpoints/${endpoint.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const response = await stranger.call(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect((await stranger.call('GET', '/v1/books')).body.data).toEqual([]);
    expect((await stranger.call('GET', '/v1/endpoints')).body.data).toEqual([]);

    // Reads show what the book recorded: UPLOAD once its first activity ran.
    const book = await owner.waitFor(bookUuid, 'UPLOAD');
    expect(book).toMatchObject({ document_counts: { total: 1, verifying: 1 } });
    expect((await owner.call('GET', `/v1/endpoints/${endpoint.id}`)).body).toMatchObject({ active: true });
  });

  it('gives two tenants that chose the same book uuid different event ids, so one receiver of both drops neither', async () => {
    const inbox = await startReceiver();
    try {
      const bookUuid = randomUUID();
      for (const tenant of [owner, stranger]) {
        const registered = await tenant.call('POST', '/v1/endpoints', { url: inbox.url, events: ['BOOK_COMPLETE'] });
        expect(registered.status).toBe(201);
        expect(await tenant.createBook({ book_uuid: bookUuid, name: 'Same uuid' })).toBe(bookUuid);
        await tenant.seal(bookUuid);
      }
      await eventually(() => expect(inbox.requests).toHaveLength(2));
      const ids = inbox.requests.map((request) => request.headers['webhook-id']);
      expect(new Set(ids).size).toBe(2);
      expect(ids).toContain(eventId(bookUuid, 'BOOK_COMPLETE', undefined, system.tenantId));
    } finally {
      await inbox.close();
    }
  });
});
