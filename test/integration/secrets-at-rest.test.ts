import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newKeyEntry } from '../../src/crypto/keyring.js';
import type { PostgresServer } from '../../src/db/embedded-postgres.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { startTestPostgres } from '../support/postgres.js';
import { startReceiver, type ReceivedRequest } from '../support/receiver.js';
import { TEST_SECRET_KEYS } from '../support/secret-keys.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

// A database of this file's own: it re-seals every row under a new key, which other files' systems do not hold.
let database: PostgresServer;
let system: TestSystem;
/** The first system's tenant: the systems started later (each with a tenant of its own) serve it too. */
let tenant: { tenantId: string; apiKey: string };
const receivers: Array<Awaited<ReturnType<typeof startReceiver>>> = [];
const ENV = { ENDPOINT_ALLOWED_HOSTS: '127.0.0.1', DELIVERY_RETRY_SCHEDULE: '0s,300ms', DELIVERY_WINDOW: '60s' };
const NEW_KEY = newKeyEntry('next');

const start = (secretKeys: string) => startTestSystem({ ...ENV, DATABASE_URL: database.url, SECRET_KEYS: secretKeys });

beforeAll(async () => {
  database = await startTestPostgres(inject('databaseUrl'));
  const pool = createPool(database.url, createLogger('silent'));
  await migrate(pool);
  await pool.end();
  system = await start(TEST_SECRET_KEYS);
  tenant = { tenantId: system.tenantId, apiKey: system.apiKey };
});
/** The CRM of the tenant, on whichever system runs now. */
const tenantApi = () => crm({ ...system, ...tenant });
afterAll(async () => {
  await system?.stop();
  for (const receiver of receivers) await receiver.close();
  await database?.stop();
});

/** `npm run keys` on this file's database, without blocking the API running in this process. */
const keysCli = (env: Record<string, string>, ...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/bin/keys.ts', ...args],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, DATABASE_URL: database.url, ...env }, encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });

/** A receiver that answers 200 only to requests whose Standard Webhooks signature verifies with every one of `secrets`. */
async function verifyingReceiver(...secrets: string[]) {
  const verifies = (request: ReceivedRequest) =>
    secrets.every((secret) => {
      try {
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    });
  const receiver = await startReceiver((request) => ({ status: verifies(request) ? 200 : 401 }));
  receivers.push(receiver);
  return receiver;
}

/** Every column of the endpoint and idempotency rows, as PostgreSQL prints them (bytea in hex). */
async function storedText(tenantId: string): Promise<string> {
  const { rows } = await system.pool.query<{ row: string }>(
    `select w::text as row from endpoints w where tenant_id = $1
     union all select k::text from idempotency_keys k where tenant_id = $1`,
    [tenantId],
  );
  return rows.map((row) => row.row).join('\n');
}

/** What a secret looks like in any form it could be stored in. */
const forms = (secret: string) => [
  secret,
  secret.replace(/^whsec_/, ''),
  Buffer.from(secret).toString('hex'),
  Buffer.from(secret.replace(/^whsec_/, ''), 'base64').toString('hex'),
];

const post = (path: string, body: unknown, idempotencyKey: string, apiKey = tenant.apiKey) =>
  request(system.apiUrl, 'POST', path, body, { authorization: `Bearer ${apiKey}`, 'idempotency-key': idempotencyKey });

describe('secrets at rest', () => {
  let endpointId: string;
  let secrets: string[];
  let created: { key: string; body: unknown };

  it('stores no signing secret in clear, not even in the stored idempotent answers, which still replay it', async () => {
    const api = tenantApi();
    const placeholder = await verifyingReceiver();
    const key = randomUUID();
    const first = await post('/v1/endpoints', { url: placeholder.url, events: ['BOOK_COMPLETE'] }, key);
    expect(first.status).toBe(201);
    endpointId = first.body.id;
    created = { key, body: first.body };
    const replay = await post('/v1/endpoints', { url: placeholder.url, events: ['BOOK_COMPLETE'] }, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);

    const rotateKey = randomUUID();
    const rotated = await post(`/v1/endpoints/${endpointId}/rotate-secret`, {}, rotateKey);
    expect(rotated.status).toBe(200);
    expect((await post(`/v1/endpoints/${endpointId}/rotate-secret`, {}, rotateKey)).body).toEqual(rotated.body);
    secrets = [first.body.secret, rotated.body.secret];

    const stored = await storedText(tenant.tenantId);
    expect(stored).toContain(endpointId);
    for (const secret of secrets) for (const form of forms(secret)) expect(stored).not.toContain(form);

    // Deliveries (the worker's activities) still sign with both secrets during the rotation's grace.
    const inbox = await verifyingReceiver(...secrets);
    expect((await api.call('PATCH', `/v1/endpoints/${endpointId}`, { url: inbox.url })).status).toBe(200);
    const bookUuid = await api.createBook({ name: 'Sealed secrets' });
    await api.seal(bookUuid);
    await eventually(async () => {
      const deliveries = await api.call('GET', `/v1/endpoints/${endpointId}/deliveries`);
      expect(deliveries.body.data.map((d: { status: string }) => d.status)).toEqual(['DELIVERED']);
    }, 30_000);
    expect(inbox.requests.map((r) => r.json.event_name)).toEqual(['BOOK_COMPLETE']);
  });

  it('seals, on the next start, what rows from before sealing hold in clear', async () => {
    const legacy = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const legacyId = randomUUID();
    const inbox = await verifyingReceiver(legacy);
    const legacyKey = `legacy-${randomUUID()}`;
    const answer = { id: legacyId, secret: legacy };
    await system.pool.query(
      `insert into endpoints (tenant_id, id, url, events, signature_scheme, secret)
       values ($1, $2, $3, '{BOOK_COMPLETE}', 'standard', $4)`,
      [tenant.tenantId, legacyId, inbox.url, legacy],
    );
    await system.pool.query(
      `insert into idempotency_keys (tenant_id, key, request_hash, status, response) values ($1, $2, 'h', 201, $3)`,
      [tenant.tenantId, legacyKey, JSON.stringify(answer)],
    );
    expect(await storedText(tenant.tenantId)).toContain(legacy);

    // Another process starting (here a whole second system) seals them.
    const other = await start(TEST_SECRET_KEYS);
    await other.stop();
    for (const form of forms(legacy)) expect(await storedText(tenant.tenantId)).not.toContain(form);

    const test = await tenantApi().call('POST', `/v1/endpoints/${legacyId}/test`);
    expect(test.body).toMatchObject({ delivered: true, status_code: 200 });
    const { rows } = await system.pool.query(
      'select status, location from idempotency_keys where tenant_id = $1 and key = $2',
      [tenant.tenantId, legacyKey],
    );
    expect(rows).toEqual([{ status: 201, location: null }]);
  });

  it('re-seals everything under a new first key (`npm run keys -- reseal`), after which the old key can go', async () => {
    const both = await keysCli({ SECRET_KEYS: `${NEW_KEY},${TEST_SECRET_KEYS}` }, 'reseal');
    expect(both.status, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/^Sealed under key "next": \d+ endpoints' secrets, \d+ stored idempotent answers\./);
    const again = await keysCli({ SECRET_KEYS: `${NEW_KEY},${TEST_SECRET_KEYS}` }, 'reseal');
    expect(again.stdout).toContain('"next": 0 endpoints\' secrets, 0 stored idempotent answers');
    const { rows } = await system.pool.query(
      `select distinct key_id from (select secret_key_id as key_id from endpoints
         union all select previous_secret_key_id from endpoints where previous_secret_sealed is not null
         union all select response_key_id from idempotency_keys where status is not null) ids`,
    );
    expect(rows).toEqual([{ key_id: 'next' }]);

    // Without the old key: the API and the worker still sign with both secrets and replay the stored answer.
    await system.stop();
    system = await start(NEW_KEY);
    const test = await tenantApi().call('POST', `/v1/endpoints/${endpointId}/test`);
    expect(test.body).toMatchObject({ delivered: true, status_code: 200 });
    const { url, events } = created.body as { url: string; events: string[] };
    const same = await post('/v1/endpoints', { url, events }, created.key);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    expect(same.body).toEqual(created.body);

    // A keyring without the key the rows are sealed under says which key is missing.
    const lost = await keysCli({ SECRET_KEYS: newKeyEntry('other') }, 'reseal');
    expect(lost.status).not.toBe(0);
    expect(lost.stderr).toContain('is sealed under key "next", which SECRET_KEYS does not hold');
  });
});

describe('API key scopes', () => {
  it('lets a read-only key read everything and change nothing (403 problem+json); `npm run keys` makes either', async () => {
    const read = await keysCli({}, 'create', '--tenant', tenant.tenantId, '--name', 'console', '--scope', 'read');
    expect(read.status, read.stderr).toBe(0);
    expect(read.stdout).toContain(', scope read) for tenant');
    const readKey = read.stdout.trim().split('\n').at(-1) as string;
    const full = await keysCli({}, 'create', '--tenant', tenant.tenantId);
    expect(full.stdout).toContain(', scope full) for tenant');
    const bad = await keysCli({}, 'create', '--tenant', tenant.tenantId, '--scope', 'admin');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--scope is "read" (GET and HEAD only) or "full"');
    expect((await keysCli({}, 'list', '--tenant', tenant.tenantId)).stdout).toContain(
      `${readKey.slice(0, 10)}…  read  console  active`,
    );

    const reader = crm({ ...system, ...tenant, apiKey: readKey });
    const owner = tenantApi();
    const bookUuid = await owner.createBook({ name: 'Read only' });
    expect((await reader.call('GET', `/v1/books/${bookUuid}`)).status).toBe(200);
    expect((await reader.call('GET', '/v1/endpoints')).status).toBe(200);
    expect(
      (await request(system.apiUrl, 'HEAD', '/v1/books', undefined, { authorization: `Bearer ${readKey}` })).status,
    ).toBe(200);
    const endpoints = (await owner.call('GET', '/v1/endpoints')).body.data as Array<{ id: string; active: boolean }>;
    const endpoint = endpoints[0]!;
    for (const [method, path, body] of [
      ['POST', '/v1/books', { name: 'not made' }],
      ['POST', `/v1/books/${bookUuid}/seal`, undefined],
      ['PATCH', `/v1/endpoints/${endpoint.id}`, { active: !endpoint.active }],
      ['DELETE', `/v1/endpoints/${endpoint.id}`, undefined],
      ['POST', `/v1/endpoints/${endpoint.id}/rotate-secret`, undefined],
    ] as const) {
      const refused = await reader.call(method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ code: 'api-key-read-only', type: '/docs/problems/api-key-read-only' });
      expect(refused.body.detail).toBe(
        `This API key can only read (scope "read"): ${method} needs a key of scope "full".`,
      );
    }
    // Nothing changed.
    expect((await owner.get(bookUuid)).status).not.toBe('SEALED');
    expect((await owner.call('GET', `/v1/endpoints/${endpoint.id}`)).body).toMatchObject({ active: endpoint.active });
    expect((await owner.call('GET', '/v1/endpoints')).body.data).toHaveLength(endpoints.length);
  });
});
