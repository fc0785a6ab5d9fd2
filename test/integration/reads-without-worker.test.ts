import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookStateQuery, bookWorkflowId } from '../../workflows/book-contract.js';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { openStream } from '../support/sse.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { spawnWorkerProcess } from '../support/worker-process.js';

/**
 * Issue 13: PostgreSQL is the read model. With `npm run worker` killed, every GET and the stream's first message still
 * answer (200) with the book as last recorded, and uploads, results and a seal are still acknowledged; once a worker is
 * back the book completes and its view matches the workflow's own state.
 */
const env = { ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' };
let system: TestSystem;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  system = await startTestSystem(env);
  // The worker runs as its own process (as `npm run worker`), so it can be killed.
  await system.stopWorker();
  worker = spawnWorkerProcess({ ...env, TEMPORAL_TASK_QUEUE: system.taskQueue });
  receiver = await startReceiver();
});
afterAll(async () => {
  if (worker?.exitCode === null) worker.kill('SIGKILL');
  await receiver?.close();
  await system?.stop();
});

async function killWorker(): Promise<void> {
  const child = worker as ChildProcess;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function firstStreamMessage(bookUuid: string) {
  const stream = await openStream(`${system.apiUrl}/v1/books/${bookUuid}/stream`, {
    authorization: `Bearer ${system.apiKey}`,
  });
  try {
    expect(stream.response.status).toBe(200);
    const first = await stream.waitFor(() => true, 10_000);
    expect(first.event).toBe('book');
    return first.data;
  } finally {
    await stream.close();
  }
}

describe('reads with the worker killed', () => {
  it('answer from PostgreSQL, acknowledge what is sent, and match the workflow once a worker is back', async () => {
    const api = crm(system);
    const hook = await api.call('POST', '/v1/endpoints', { url: receiver.url, events: ['VERIFICATION_COMPLETE'] });
    expect(hook.status).toBe(201);
    const bookUuid = await api.createBook({ name: 'Read while the worker is down' });
    const [d1, d2, d3] = [randomUUID(), randomUUID(), randomUUID()];
    for (const doc of [d1, d2, d3]) await api.upload(bookUuid, doc);
    await api.verify(bookUuid, d1, 'SUCCEEDED');
    await api.verify(bookUuid, d1, 'SUCCEEDED');
    await api.verify(bookUuid, d1, 'FAILED', { reason: 'second opinion' });
    await api.verify(bookUuid, d2, 'FAILED', { reason: 'unreadable' });

    // Everything the worker decided is recorded and delivered before it dies.
    const recorded = await eventually(async () => {
      const book = await api.get(bookUuid);
      expect(book.document_counts).toEqual({ total: 3, verifying: 1, verified: 1, rejected: 1 });
      expect(book.events).toHaveLength(2);
      expect(book.ignored_results.count).toBe(2);
      const events = await api.call('GET', `/v1/books/${bookUuid}/events`);
      const deliveries = events.body.data.flatMap((e: { deliveries: Array<{ status: string }> }) => e.deliveries);
      expect(deliveries.map((d: { status: string }) => d.status)).toEqual(['DELIVERED', 'DELIVERED']);
      return book;
    }, 30_000);
    expect(recorded.ignored_results.recent.map((i: { reason: string }) => i.reason)).toEqual([
      'repeated result SUCCEEDED after SUCCEEDED: the first result stands',
      'conflicting result FAILED after SUCCEEDED: the first result stands',
    ]);
    const eventsBefore = (await api.call('GET', `/v1/books/${bookUuid}/events`)).body;

    await killWorker();

    // Every read answers 200 with the last recorded state.
    const list = await api.call('GET', '/v1/books');
    expect(list.status).toBe(200);
    expect(list.body.data.find((b: { book_uuid: string }) => b.book_uuid === bookUuid)).toMatchObject({
      status: 'UPLOAD',
      document_counts: recorded.document_counts,
    });
    expect(await api.get(bookUuid)).toEqual(recorded);
    expect((await api.call('GET', `/v1/books/${bookUuid}/events`)).body).toEqual(eventsBefore);
    expect(await firstStreamMessage(bookUuid)).toEqual(recorded);

    // Uploads, results and a seal are acknowledged; an acknowledged upload shows at once.
    const d4 = await api.upload(bookUuid);
    const withUpload = await api.get(bookUuid);
    expect(withUpload.document_counts).toEqual({ total: 4, verifying: 2, verified: 1, rejected: 1 });
    expect(withUpload.documents.find((d: { doc_uuid: string }) => d.doc_uuid === d4)).toMatchObject({
      status: 'VERIFYING',
      name: expect.any(String),
    });
    expect(await firstStreamMessage(bookUuid)).toEqual(withUpload);
    await api.verify(bookUuid, d3, 'SUCCEEDED');
    await api.verify(bookUuid, d4, 'SUCCEEDED');
    await api.verify(bookUuid, d1, 'SUCCEEDED');
    await api.seal(bookUuid);
    // Not decided by the book yet: the view shows what it recorded (the repeat of a decided result is ignored at once).
    const waiting = await api.get(bookUuid);
    expect(waiting).toMatchObject({ status: 'UPLOAD', sealed_at: null, document_counts: withUpload.document_counts });
    expect(waiting.ignored_results.count).toBe(3);

    // A book created meanwhile: its start is a write Temporal takes without a worker, so it takes documents at once.
    const created = await api.createBook({ name: 'Created while the worker is down' });
    expect(await api.get(created)).toMatchObject({ status: 'UPLOAD', documents: [] });

    await system.startWorker();
    const finished = await api.finished(bookUuid);
    expect(finished.document_counts).toEqual({ total: 4, verifying: 0, verified: 3, rejected: 1 });
    expect(finished.sealed_by).toBe('request');
    expect(finished.events.map((e: { event_name: string }) => e.event_name)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(await firstStreamMessage(bookUuid)).toEqual(finished);

    // The view matches the workflow's own state (the query operators still have).
    const state = await system.client.workflow
      .getHandle(bookWorkflowId(system.tenantId, bookUuid))
      .query(bookStateQuery);
    expect(finished).toMatchObject({
      status: state.status,
      document_counts: state.counts,
      sealed_at: state.sealedAt,
      sealed_by: state.sealedBy,
      completed_at: state.completedAt,
      analyzed_at: state.analyzedAt,
    });
    expect(finished.completed_at).toBe(finished.events[4].occurred_at);
    expect(finished.analyzed_at).toBe(finished.events[5].occurred_at);
    expect(finished.ignored_results.count).toBe(state.ignoredCount);
    expect(
      Object.fromEntries(finished.documents.map((d: { doc_uuid: string; status: string }) => [d.doc_uuid, d.status])),
    ).toEqual(state.docs);

    await eventually(async () => expect((await api.get(created)).status).toBe('UPLOAD'));
    // Books the killed worker held wait for a new one up to the sticky timeout (1 minute, src/temporal/worker.ts).
  }, 180_000);
});
