import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { newKeyEntry } from '../../src/crypto/keyring.js';
import { createLogger } from '../../src/logger.js';
import { startWorkerRole, type Role } from '../../src/roles.js';
import { encryptedWith } from '../../src/temporal/payload-codec.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { crm, statement } from '../support/books.js';
import { eventually } from '../support/http.js';
import { testCodec } from '../support/payload-keys.js';
import { TEST_SECRET_KEYS } from '../support/secret-keys.js';
import { payloadsIn } from '../support/stored-history.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem, workflowBundle, type TestSystem } from '../support/system.js';

const { History } = proto.temporal.api.history.v1;

// What the Temporal server stores, read the way anyone with access to it (its database, its UI, `temporal workflow
// show`) reads it: a client without bookbell's codec.
let raw: Client;
let connection: Connection;
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  raw = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
});

/** Every workflow of the tenant (books and their endpoints' deliveries), with the raw bytes of its whole history. */
async function storedHistories(tenantId: string) {
  const stored: Array<{ workflowId: string; bytes: Buffer; payloads: Payload[] }> = [];
  for await (const execution of raw.workflow.list({ query: `TenantId = '${tenantId}'` })) {
    const handle: WorkflowHandle = raw.workflow.getHandle(execution.workflowId, execution.runId);
    const history = await handle.fetchHistory();
    stored.push({
      workflowId: execution.workflowId,
      bytes: Buffer.from(History.encode(history).finish()),
      payloads: payloadsIn(history),
    });
  }
  return stored;
}

/** A book whose name, metadata, a rejection reason and a statement field carry markers, delivered to an endpoint. */
async function markedBook(system: TestSystem, markers: Record<'name' | 'reason' | 'field', string>) {
  const api = crm(system);
  const bookUuid = await api.createBook({ name: `Statements ${markers.name}`, metadata: { note: markers.name } });
  const verified = await api.upload(bookUuid);
  await api.verify(bookUuid, verified, 'SUCCEEDED', {
    fields: statement(markers.field, '2026-03-01', '2026-03-31', {
      start: '1.00',
      end: '2.00',
      deposits: '1.00',
      withdrawals: '0.00',
    }),
  });
  const rejected = await api.upload(bookUuid);
  await api.verify(bookUuid, rejected, 'FAILED', { reason: `Unreadable ${markers.reason}` });
  return { api, bookUuid };
}

describe('tenant data in Temporal', () => {
  let system: TestSystem;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    // Each event's first request fails: its retry goes through the endpoint's delivery workflow, whose history is
    // checked too (a first attempt that succeeds is made by the book's recording activity and needs none).
    const seen = new Set<string>();
    receiver = await startReceiver((request) => {
      const id = String(request.headers['webhook-id']);
      const first = !seen.has(id);
      seen.add(id);
      return { status: first ? 503 : 200 };
    });
    system = await startTestSystem({
      ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
      ENDPOINT_ALLOW_HTTP: 'true',
      DELIVERY_RETRY_SCHEDULE: '0s,200ms,200ms',
    });
  });
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  });

  it("is stored encrypted: markers in a book's name, a reason and a statement field appear nowhere in its histories", async () => {
    const tag = randomUUID().replaceAll('-', '');
    const markers = { name: `name${tag}`, reason: `reason${tag}`, field: `field${tag}` };
    const created = await crm(system).call('POST', '/v1/endpoints', {
      url: receiver.url,
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
    });
    expect(created.status).toBe(201);
    const { api, bookUuid } = await markedBook(system, markers);
    await api.seal(bookUuid);
    await api.finished(bookUuid);
    // The receiver got the markers in clear: they were there to leak.
    await eventually(() => expect(receiver.requests.map((r) => r.body).join('')).toContain(markers.reason));

    const stored = await eventually(async () => {
      const histories = await storedHistories(system.tenantId);
      // The book and at least one endpoint's deliveries.
      expect(histories.length).toBeGreaterThanOrEqual(2);
      return histories;
    });
    const decoded: string[] = [];
    for (const { workflowId, bytes, payloads } of stored) {
      for (const marker of [...Object.values(markers), tag]) expect(bytes.includes(marker), workflowId).toBe(false);
      const opened = await testCodec().decode(payloads);
      decoded.push(...opened.map((payload) => Buffer.from(payload.data ?? []).toString()));
      // Every payload the roles wrote is sealed.
      expect(
        payloads.filter((payload) => !encryptedWith(payload)),
        workflowId,
      ).toEqual([]);
    }
    // Opened with the roles' keys, the book's input holds its name and metadata (reasons and fields reach the book
    // by reference to the intake log today; should they travel in a signal one day, the check above covers them).
    expect(decoded.join('\n')).toContain(`"name":"Statements ${markers.name}","metadata":{"note":"${markers.name}"}`);
  });
});

describe('failures in Temporal', () => {
  it("keep their message encrypted: a failing attempt's reason is not readable from the workflow's description", async () => {
    const system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '127.0.0.1', DELIVERY_RETRY_SCHEDULE: '0s,1s,10m' });
    const failing = await startReceiver(() => ({ status: 503 }));
    try {
      const api = crm(system);
      const created = await api.call('POST', '/v1/endpoints', { url: failing.url, events: ['BOOK_COMPLETE'] });
      const bookUuid = await api.createBook({ name: 'Refused' });
      await api.seal(bookUuid);
      // The deliveries workflow waits to try again: its pending activity keeps the last failure, which the Temporal
      // UI shows to anyone who opens the workflow.
      const workflowId = `deliveries:${system.tenantId}:${created.body.id}:${bookUuid}`;
      const failure = await eventually(async () => {
        const described = await raw.workflow.getHandle(workflowId).describe();
        const last = described.raw.pendingActivities?.[0]?.lastFailure;
        expect(last).toBeTruthy();
        return last as NonNullable<typeof last>;
      }, 30_000);
      expect(failure.message).toBe('Encoded failure');
      expect(failure.stackTrace ?? '').toBe('');
      const [attributes] = await testCodec().decode([failure.encodedAttributes as Payload]);
      expect(Buffer.from(attributes?.data ?? []).toString()).toContain('HTTP 503');
    } finally {
      await failing.close();
      await system.stop();
    }
  });
});

describe('a key rotation', () => {
  it('keeps histories written under the old key readable: a book begun under k1 finishes under k2', async () => {
    const [k1, k2] = [newKeyEntry('k1'), newKeyEntry('k2')];
    // Step 1 of docs/security.md's rotation: every role learns k2 while k1 still seals.
    const system = await startTestSystem({ PAYLOAD_KEYS: `${k1},${k2}` });
    let rotated: Role | undefined;
    try {
      const api = crm(system);
      const bookUuid = await api.createBook({ name: 'Begun before the rotation' });
      await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
      await eventually(async () => expect((await api.get(bookUuid)).document_counts.verified).toBe(1));

      // Step 2: k2 seals. The new worker holds no book in memory, so it replays this one's history from its start.
      await system.stopWorker();
      rotated = await startWorkerRole({
        config: loadConfig({
          TEMPORAL_TASK_QUEUE: system.taskQueue,
          SECRET_KEYS: TEST_SECRET_KEYS,
          PAYLOAD_KEYS: `${k2},${k1}`,
        }),
        temporalAddress: inject('temporalAddress'),
        pool: system.pool,
        logger: createLogger('silent'),
        workflowBundle: await workflowBundle(),
      });
      await api.verify(bookUuid, await api.upload(bookUuid), 'FAILED', { reason: 'After the rotation' });
      await api.seal(bookUuid);
      const book = await api.waitFor(bookUuid, 'ANALYTICS_COMPLETE');
      expect(book.document_counts).toMatchObject({ verified: 1, rejected: 1 });

      const workflowId = bookWorkflowId(system.tenantId, bookUuid);
      const [history] = (await storedHistories(system.tenantId)).filter((h) => h.workflowId === workflowId);
      expect(new Set(history?.payloads.map((payload) => encryptedWith(payload)))).toEqual(new Set(['k1', 'k2']));
    } finally {
      await rotated?.stop();
      await system.stop();
    }
  });
});
