import http from 'node:http';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.js';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { crm } from '../support/books.js';
import { databaseFingerprint, settled, workflowFingerprint } from '../support/fingerprint.js';
import { answerProblem, sendAndCheck, sendRaw, type HostileRequest } from '../support/hostile-client.js';
import {
  hostileRequests,
  KINDS,
  malformedHttp,
  namedCases,
  PUBLIC_URL,
  type Targets,
} from '../support/hostile-requests.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * Throws well over a thousand generated hostile requests at the running API (fast-check; a failure prints its seed
 * and the smallest batch that fails). Every generated request is one the API must refuse: each names the statuses it
 * may get, so nothing here is accepted and may change state. The API must never answer 5xx, must answer every refusal
 * with problem+json, must stay up, and must leave the tenants' rows and workflows exactly as they were.
 */

const CONCURRENCY = 8;
// HOSTILE_BATCHES=2000 hunts longer (16,000 requests, about half a minute).
const BATCHES = Number(process.env.HOSTILE_BATCHES ?? 140);
const MIN_REQUESTS = 1000;

let system: TestSystem;
let targets: Targets;
let tenantIds: string[];
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const sent = { total: 0, byKind: new Map<string, number>(), byRoute: new Map<string, number>() };
let before: { database: Record<string, string>; workflows: string[] };

const snapshot = async () => ({
  database: await databaseFingerprint(system.pool, tenantIds),
  workflows: await workflowFingerprint(system.client, system.taskQueue),
});

async function sendCounted(request: HostileRequest) {
  await sendAndCheck(system.apiUrl, request, agent);
  sent.total += 1;
  sent.byKind.set(request.kind, (sent.byKind.get(request.kind) ?? 0) + 1);
  sent.byRoute.set(request.route, (sent.byRoute.get(request.route) ?? 0) + 1);
}

beforeAll(async () => {
  // Default endpoint rules, as in production: no private or local destination is allowed.
  // Input checks, not limits: the long hunt (HOSTILE_BATCHES=2000) sends about 500 requests a second, 1 in 7 with a
  // bad key, from one tenant and address.
  system = await startTestSystem({ API_RATE_LIMIT: '0', API_AUTH_FAILURE_LIMIT: '0' });
  const owner = crm(system);
  const book = await owner.createBook({ name: 'Hostile target', metadata: { loan: 'L-1' } });
  const doc = await owner.upload(book);
  const completeBook = await owner.createBook({ name: 'Finished book' });
  await owner.seal(completeBook);
  await owner.finished(completeBook);
  const endpoint = await owner.call('POST', '/v1/endpoints', {
    url: PUBLIC_URL,
    events: ['VERIFICATION_COMPLETE'],
    description: 'Hostile suite',
  });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);

  const strangerTenant = `stranger-${randomUUID().slice(0, 8)}`;
  const { key: strangerKey } = await createApiKey(system.pool, strangerTenant, 'stranger');
  const strangerBook = await crm({ ...system, apiKey: strangerKey, tenantId: strangerTenant }).createBook({
    name: 'Not yours',
  });
  const revoked = await createApiKey(system.pool, system.tenantId, 'revoked');
  await revokeApiKey(system.pool, revoked.row.id);
  await owner.waitFor(book, 'UPLOAD');

  const routes = Object.entries(openApiDocument().paths ?? {}).flatMap(([template, item]) =>
    Object.keys(item as object).map((method) => ({ method: method.toUpperCase(), template })),
  );
  targets = {
    key: system.apiKey,
    strangerKey,
    revokedKey: revoked.key,
    book,
    doc,
    completeBook,
    strangerBook,
    endpoint: endpoint.body.id as string,
    endpointUrl: PUBLIC_URL,
    routes,
  };
  tenantIds = [system.tenantId, strangerTenant];
  before = await settled(snapshot);
  // The fingerprints cover what the requests aim at: the books' workflows, and every table a request could touch.
  for (const bookUuid of [book, completeBook]) {
    expect(before.workflows.some((line) => line.startsWith(`book:${system.tenantId}:${bookUuid} `))).toBe(true);
  }
  expect(before.workflows.some((line) => line.startsWith(`book:${strangerTenant}:${strangerBook} `))).toBe(true);
  expect(Object.keys(before.database)).toEqual(
    expect.arrayContaining(['books', 'documents', 'events', 'endpoints', 'deliveries', 'idempotency_keys', 'api_keys']),
  );
  expect(before.database.books).toMatch(/^3 rows/);
});

afterAll(async () => {
  agent.destroy();
  await system?.stop();
});

describe('hostile input', () => {
  it('refuses each named hostile case with a 4xx problem', async () => {
    const failures: string[] = [];
    for (const request of namedCases(targets)) {
      await sendCounted(request).catch((err: Error) => failures.push(err.message));
    }
    expect(failures).toEqual([]);
  });

  it("answers bytes that are not HTTP with a problem too (node's parser refuses them)", async () => {
    const failures: string[] = [];
    for (const { name, bytes, expect: statuses } of malformedHttp(targets)) {
      const request: HostileRequest = {
        kind: 'malformed-http',
        route: name,
        method: 'RAW',
        path: '',
        headers: {},
        expect: statuses,
      };
      const problem = await sendRaw(system.apiUrl, bytes).then(
        (response) => answerProblem(request, response),
        (err: Error) => err.message,
      );
      if (problem) failures.push(`${name}: ${problem}`);
      else sent.total += 1;
    }
    expect(failures).toEqual([]);
  });

  it('refuses every generated hostile request with a 4xx problem, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileRequests(targets), { minLength: CONCURRENCY, maxLength: CONCURRENCY }),
        async (batch) => {
          await Promise.all(batch.map(sendCounted));
        },
      ),
      { numRuns: BATCHES },
    );
    expect(sent.total).toBeGreaterThanOrEqual(MIN_REQUESTS);
    // Every kind of hostility and every documented route had its share.
    expect(KINDS.filter((kind) => !sent.byKind.get(kind))).toEqual([]);
    const routes = targets.routes.map((route) => `${route.method} ${route.template}`);
    expect(routes.filter((route) => !sent.byRoute.get(route))).toEqual([]);
  }, 300_000);

  it('stays up', async () => {
    const response = await fetch(`${system.apiUrl}/healthz`);
    expect(response.status).toBe(200);
  });

  it("leaves the tenants' rows and workflows exactly as they were", async () => {
    const after = await settled(snapshot);
    expect(after.database).toEqual(before.database);
    expect(after.workflows).toEqual(before.workflows);
  });
});
