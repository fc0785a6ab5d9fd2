import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app.js';
import { createPool } from '../../src/db/pool.js';
import { EndpointSender } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from '../support/free-port.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookStartAttributes } from '../../src/temporal/books.js';
import {
  BOOK_GENERATION,
  BOOK_WORKFLOW_TYPE,
  bookStateQuery,
  BookStatusAttribute,
  DocumentCountAttribute,
  BookUuidAttribute,
  bookWorkflowId,
  TenantIdAttribute,
  uploadsSignal,
} from '../../workflows/book-contract.js';
import { eventually, request } from '../support/http.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { BookChangeHub } from '../../src/stream/book-change-hub.js';
import { testKeyring } from '../support/secret-keys.js';

let system: TestSystem;
const api = (method: string, path: string, body?: unknown) =>
  request(system.apiUrl, method, path, body, { authorization: `Bearer ${system.apiKey}` });

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.stop();
});

describe('POST /v1/books → bookWorkflow → GET /v1/books/:book_uuid', () => {
  it('starts one workflow per book, visible with its search attributes; GET answers what it recorded in PostgreSQL', async () => {
    const bookUuid = randomUUID();
    const created = await api('POST', '/v1/books', {
      book_uuid: bookUuid,
      name: 'Q3 statements',
      metadata: { loan: 'L-1' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/books/${bookUuid}`);
    expect(created.body).toMatchObject({ book_uuid: bookUuid, name: 'Q3 statements', metadata: { loan: 'L-1' } });

    const handle = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
    const state = await handle.query(bookStateQuery);
    expect(state).toMatchObject({ bookUuid, tenantId: system.tenantId, name: 'Q3 statements', status: 'UPLOAD' });

    const description = await eventually(async () => {
      const d = await handle.describe();
      expect(d.typedSearchAttributes.get(BookStatusAttribute)).toBe('UPLOAD');
      return d;
    });
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(system.taskQueue);
    expect(description.typedSearchAttributes.get(BookUuidAttribute)).toBe(bookUuid);
    expect(description.typedSearchAttributes.get(TenantIdAttribute)).toBe(system.tenantId);
    expect(description.typedSearchAttributes.get(DocumentCountAttribute)).toBe(0);
    // Started with an empty open book's attributes, taking its generation's patches without asking: its first
    // workflow task (the query above waited for it) wrote neither a search-attribute upsert nor a patch marker.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.workflowTaskCompletedEventAttributes)).toBe(true);
    expect(
      events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes || e.markerRecordedEventAttributes),
    ).toEqual([]);

    // The workflow's activity mirrored its status into Postgres.
    await eventually(async () => {
      const row = await system.pool.query('select status from books where tenant_id = $1 and book_uuid = $2', [
        system.tenantId,
        bookUuid,
      ]);
      expect(row.rows).toEqual([{ status: 'UPLOAD' }]);
    });

    const read = await api('GET', `/v1/books/${bookUuid}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...created.body, status: 'UPLOAD' });

    // An upload wakes no book: its history stands still, the API counts the document at once, and the book counts
    // it with its seal (which says how many documents the book holds), still verifying.
    const before = (await handle.describe()).historyLength;
    const uploaded = await api('POST', `/v1/books/${bookUuid}/documents`, { name: 'a.pdf' });
    expect(uploaded.status).toBe(202);
    expect((await api('GET', `/v1/books/${bookUuid}`)).body.document_counts).toMatchObject({ total: 1, verifying: 1 });
    const listed = await api('GET', `/v1/books?q=${bookUuid}`);
    expect(listed.body.data.map((book: { document_counts: unknown }) => book.document_counts)).toEqual([
      { total: 1, verified: 0, rejected: 0, verifying: 1 },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await handle.describe()).historyLength).toBe(before);
    expect((await api('POST', `/v1/books/${bookUuid}/seal`)).status).toBe(202);
    await eventually(async () => {
      const attributes = (await handle.describe()).typedSearchAttributes;
      expect([attributes.get(BookStatusAttribute), attributes.get(DocumentCountAttribute)]).toEqual(['SEALED', 1]);
    });
    expect((await handle.query(bookStateQuery)).counts).toEqual({ total: 1, verifying: 1, verified: 0, rejected: 0 });
  });

  it('publishes the counts of messages its first workflow task already holds against the attributes it started with', async () => {
    // The worker was away when the book started, say: its first task takes the book's start and its first uploads.
    const bookUuid = randomUUID();
    const input = {
      tenantId: system.tenantId,
      bookUuid,
      name: 'Started with uploads waiting',
      metadata: {},
      createdAt: new Date().toISOString(),
      generation: BOOK_GENERATION,
    };
    const handle = await system.client.workflow.signalWithStart(BOOK_WORKFLOW_TYPE, {
      taskQueue: system.taskQueue,
      workflowId: bookWorkflowId(system.tenantId, bookUuid),
      args: [input],
      typedSearchAttributes: bookStartAttributes(input),
      signal: uploadsSignal,
      signalArgs: [{ docUuids: [randomUUID(), randomUUID()] }],
    });
    try {
      await eventually(async () => {
        expect((await handle.describe()).typedSearchAttributes.get(DocumentCountAttribute)).toBe(2);
      });
    } finally {
      await handle.terminate();
    }
  });

  it('assigns a book_uuid when none is given', async () => {
    const created = await api('POST', '/v1/books', { name: 'Pay stubs' });
    expect(created.status).toBe(201);
    expect(created.body.book_uuid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await eventually(async () => {
      const r = await api('GET', `/v1/books/${created.body.book_uuid}`);
      expect(r.body.status).toBe('UPLOAD');
      return r;
    });
    expect(read.body.name).toBe('Pay stubs');
  });

  it('treats a repeated create as the same book and the same workflow run', async () => {
    const body = { book_uuid: randomUUID(), name: 'Repeat me', metadata: { a: 1, b: 'two' } };
    const first = await api('POST', '/v1/books', body);
    const firstRun = (
      await system.client.workflow.getHandle(bookWorkflowId(system.tenantId, body.book_uuid)).describe()
    ).runId;
    const again = await api('POST', '/v1/books', { ...body, metadata: { b: 'two', a: 1 } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    // The same book; its status may have moved on from CREATED in between.
    expect(again.body).toEqual({ ...first.body, status: again.body.status });
    expect(['CREATED', 'UPLOAD']).toContain(again.body.status);
    const run = (await system.client.workflow.getHandle(bookWorkflowId(system.tenantId, body.book_uuid)).describe())
      .runId;
    expect(run).toBe(firstRun);
  });

  it('reads an upper-case book_uuid or doc_uuid as the same id, in the path and in bodies', async () => {
    const bookUuid = randomUUID();
    const upper = bookUuid.toUpperCase();
    expect((await api('POST', '/v1/books', { book_uuid: upper, name: 'Shouting' })).body.book_uuid).toBe(bookUuid);
    const docUuid = randomUUID();
    const upload = await api('POST', `/v1/books/${upper}/documents`, {
      doc_uuid: docUuid.toUpperCase(),
      name: 'a.pdf',
    });
    expect(upload.status).toBe(202);
    expect(upload.body.doc_uuid).toBe(docUuid);
    expect((await api('POST', `/v1/books/${upper}/seal`)).status).toBe(202);
    const book = await eventually(async () => {
      const read = await api('GET', `/v1/books/${upper}`);
      expect(read.body.status).toBe('SEALED');
      return read.body;
    });
    expect(book.documents.map((d: { doc_uuid: string }) => d.doc_uuid)).toEqual([docUuid]);
  });

  it('refuses the same book_uuid with a different body with a 409 and changes nothing', async () => {
    const bookUuid = randomUUID();
    await api('POST', '/v1/books', { book_uuid: bookUuid, name: 'Original' });
    const clash = await api('POST', '/v1/books', { book_uuid: bookUuid, name: 'Different' });
    expect(clash.status).toBe(409);
    expect(clash.headers.get('content-type')).toContain('application/problem+json');
    expect(clash.body).toMatchObject({ status: 409, code: 'book-uuid-taken', type: '/docs/problems/book-uuid-taken' });
    expect(clash.body.detail).toContain(bookUuid);
    expect((await api('GET', `/v1/books/${bookUuid}`)).body.name).toBe('Original');
  });
});

describe('bad requests get problem+json and change nothing', () => {
  const countBooks = async () =>
    Number(
      (await system.pool.query('select count(*) from books where tenant_id = $1', [system.tenantId])).rows[0].count,
    );

  it.each([
    ['a missing name', { metadata: {} }, 'name', 'is required'],
    ['an empty name', { name: '   ' }, 'name', 'must not be empty'],
    ['an unknown field', { name: 'x', colour: 'red' }, 'colour', 'is not a known field'],
    ['a malformed book_uuid', { name: 'x', book_uuid: 'not-a-uuid' }, 'book_uuid', 'must be a UUID'],
    ['nested metadata', { name: 'x', metadata: { a: { b: 1 } } }, 'metadata.a', 'Invalid input'],
  ])('400 for %s, naming the field', async (_case, body, field, message) => {
    const before = await countBooks();
    const response = await api('POST', '/v1/books', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors).toEqual(
      expect.arrayContaining([{ field, message: expect.stringContaining(message) }]),
    );
    expect(await countBooks()).toBe(before);
  });

  it('400 for malformed JSON', async () => {
    const response = await api('POST', '/v1/books', '{"name": "x"');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ title: 'Invalid JSON', status: 400 });
  });

  it('400 for a malformed id and 404 for an unknown book', async () => {
    const malformed = await api('GET', '/v1/books/..%2F..%2Fetc');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ field: 'book_uuid', message: expect.stringContaining('must be a UUID') }]);
    const unknown = randomUUID();
    const missing = await api('GET', `/v1/books/${unknown}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, detail: `Book ${unknown} does not exist.` });
  });

  it('answers a method a path does not take with 405, the methods it does take in Allow, and problem+json', async () => {
    const auth = { authorization: `Bearer ${system.apiKey}` };
    for (const [method, path, allowed] of [
      ['DELETE', '/v1/books', ['GET', 'HEAD', 'POST']],
      ['PROPFIND', '/v1/books', ['GET', 'HEAD', 'POST']],
      ['PUT', '/healthz', ['GET', 'HEAD']],
    ] as const) {
      const response = await fetch(`${system.apiUrl}${path}`, { method, headers: auth });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('method-not-allowed');
      const allow = (response.headers.get('allow') ?? '').split(/,\s*/).sort();
      expect(allow, `${method} ${path}`).toEqual([...allowed].sort());
    }
  });

  it('answers /healthz and /readyz without a key', async () => {
    expect((await request(system.apiUrl, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(system.apiUrl, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'ok', temporal: 'ok' });
  });

  it('is not ready while PostgreSQL is unreachable', async () => {
    const logger = createLogger('silent');
    const deadPool = createPool(`postgres://nobody@127.0.0.1:${await freePort()}/none`, logger);
    const destinations = new DestinationPolicy();
    const app = createApp({
      pool: deadPool,
      temporal: system.client,
      taskQueue: system.taskQueue,
      logger,
      endpoints: {
        destinations,
        sender: new EndpointSender(destinations),
        allowHttp: true,
        timeoutMs: 1000,
        rotationGraceMs: 1000,
        mailLimits: { perAddress: 1, perTenant: 1, windowMs: 1000 },
        confirmationLinkBase: () => 'http://127.0.0.1',
      },
      secrets: testKeyring(),
      stream: { hub: new BookChangeHub(deadPool, logger), heartbeatMs: 1000 },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await request(`http://127.0.0.1:${port}`, 'GET', '/readyz');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ status: 'not ready', postgres: 'unreachable', temporal: 'ok' });
    } finally {
      server.close();
      await deadPool.end();
    }
  });

  it('replays the first answer to a POST repeated with the same Idempotency-Key', async () => {
    const headers = { authorization: `Bearer ${system.apiKey}`, 'idempotency-key': `create-${randomUUID()}` };
    const first = await request(system.apiUrl, 'POST', '/v1/books', { name: 'Retried by a CRM' }, headers);
    const again = await request(system.apiUrl, 'POST', '/v1/books', { name: 'Retried by a CRM' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.book_uuid).toBe(first.body.book_uuid);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/books/${first.body.book_uuid}`);
    const other = await request(system.apiUrl, 'POST', '/v1/books', { name: 'Something else' }, headers);
    expect(other.status).toBe(422);

    // An upload without a doc_uuid, retried with its key, registers one document.
    const bookUuid = first.body.book_uuid;
    const uploadHeaders = { ...headers, 'idempotency-key': `upload-${randomUUID()}` };
    const path = `/v1/books/${bookUuid}/documents`;
    const upload = await request(system.apiUrl, 'POST', path, { name: 'july.pdf' }, uploadHeaders);
    const retried = await request(system.apiUrl, 'POST', path, { name: 'july.pdf' }, uploadHeaders);
    expect(retried.body.doc_uuid).toBe(upload.body.doc_uuid);
    expect((await api('GET', `/v1/books/${bookUuid}`)).body.document_counts.total).toBe(1);
  });

  it('415 for a body that is not JSON and 413 for one over 1 MB, changing nothing', async () => {
    const auth = { authorization: `Bearer ${system.apiKey}` };
    const text = await fetch(`${system.apiUrl}/v1/books`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toContain('application/problem+json');
    const huge = await request(
      system.apiUrl,
      'POST',
      '/v1/books',
      { name: 'x', metadata: { a: 'y'.repeat(2_000_000) } },
      auth,
    );
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ status: 413, title: 'Payload Too Large' });
  });

  it('404 problem for an unknown route', async () => {
    const response = await api('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
