import { afterEach, describe, expect, it } from 'vitest';
import { bookStateQuery, bookWorkflowId } from '../../workflows/book-contract.js';
import { eventNames, systemWithEndpoint } from '../support/endpoint-setup.js';
import { sendToBook } from '../../src/api/book-access.js';
import { findBook } from '../../src/db/books.js';
import { storeVerificationResult } from '../../src/db/intake-results.js';
import { claimLapsedReads, joinRead, promiseRead } from '../../src/db/log-reads.js';
import { signalVerification } from '../../src/temporal/books.js';
import { eventually, request } from '../support/http.js';
import { testCodec } from '../support/payload-keys.js';
import { decodedText } from '../support/stored-history.js';
import type { TestSystem } from '../support/system.js';

// While a book's recording runs (here: held by a receiver that takes 3 s to answer its first request), the API stores
// results and seals without a signal, and the recording reads them from the log at its end (src/db/log-reads.ts).
const ENV = { DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms', ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' };
const HOLD_MS = 3_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A system whose receiver holds its first request HOLD_MS, and with it the recording that made it. */
const systemHoldingFirstRecording = () =>
  systemWithEndpoint(ENV, cleanups, (_request, index) =>
    index === 0 ? { status: 200, delayMs: HOLD_MS } : { status: 200 },
  );

/** How many signals the book's workflow has received. */
async function signalsTo(system: TestSystem, bookUuid: string): Promise<number> {
  const history = await system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid)).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
}

/** A book of two documents, delivered in full and in order. */
const TWO_DOCUMENTS_DELIVERED = [
  'VERIFICATION_COMPLETE',
  'VERIFICATION_COMPLETE',
  'BOOK_COMPLETE',
  'ANALYTICS_COMPLETED',
];

describe('messages to a book whose recording is running', () => {
  it('wake it no more: stored unsignalled, read at the recording’s end, delivered once each and in order', async () => {
    const { system, api, inbox } = await systemHoldingFirstRecording();
    const bookUuid = await api.createBook({ name: 'Busy book' });
    const docs: string[] = [];
    for (let n = 0; n < 7; n++) docs.push(await api.upload(bookUuid));
    const handle = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
    const signals = () => signalsTo(system, bookUuid);
    const unsignalled = async () =>
      (
        await system.pool.query<{ doc_uuid: string }>(
          `select doc_uuid from verification_results where tenant_id = $1 and book_uuid = $2 and unsignalled order by id`,
          [system.tenantId, bookUuid],
        )
      ).rows.map((row) => row.doc_uuid);
    const lease = async () =>
      (
        await system.pool.query<{ reads_log_until: Date | null }>(
          'select reads_log_until from books where tenant_id = $1 and book_uuid = $2',
          [system.tenantId, bookUuid],
        )
      ).rows[0]?.reads_log_until;

    // The first result wakes the book by signal; its recording's first attempt is held at the receiver.
    await api.verify(bookUuid, docs[0] as string, 'SUCCEEDED');
    await eventually(() => expect(inbox.requests).toHaveLength(1));
    expect(await lease()).not.toBeNull();
    for (const docUuid of docs.slice(1, 6)) await api.verify(bookUuid, docUuid, 'FAILED', { reason: 'blurred' });
    expect(await unsignalled()).toEqual(docs.slice(1, 6));
    expect(await signals()).toBe(1);
    // A repeat adds no row for the read to find: it is signalled, and the book counts it among the ignored results.
    await api.verify(bookUuid, docs[0] as string, 'SUCCEEDED');
    await eventually(async () => expect(await signals()).toBe(2));

    // Read, recorded and delivered after the held one, in the order stored; then the API signals again.
    await eventually(() => expect(inbox.requests).toHaveLength(6));
    expect(inbox.requests.map((request) => request.json.doc_uuid)).toEqual(docs.slice(0, 6));
    await eventually(async () => expect(await lease()).toBeNull());
    await api.verify(bookUuid, docs[6] as string, 'SUCCEEDED');
    await eventually(() => expect(inbox.requests).toHaveLength(7));
    expect(await signals()).toBe(3);
    expect(await unsignalled()).toEqual(docs.slice(1, 6));

    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);
    expect(book.document_counts).toMatchObject({ total: 7, verified: 2, rejected: 5, verifying: 0 });
    await eventually(() => expect(inbox.requests).toHaveLength(9));
    expect(eventNames(inbox.requests)).toEqual([
      ...Array(7).fill('VERIFICATION_COMPLETE'),
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(new Set(inbox.requests.map((request) => request.headers['webhook-id'])).size).toBe(9);
    expect(await lease()).toBeNull();
    expect(book.ignored_results.count).toBe(1);
    expect((await handle.query(bookStateQuery)).ignoredCount).toBe(1);
  });

  it('a seal sent while the recording runs is read too, and the book completes', async () => {
    const { system, api, inbox } = await systemHoldingFirstRecording();
    const bookUuid = await api.createBook({ name: 'Sealed while busy' });
    const [first, second] = [await api.upload(bookUuid), await api.upload(bookUuid)];
    await api.verify(bookUuid, first, 'SUCCEEDED');
    await eventually(() => expect(inbox.requests).toHaveLength(1));
    await api.verify(bookUuid, second, 'SUCCEEDED');
    const sealed = await request(system.apiUrl, 'POST', `/v1/books/${bookUuid}/seal`, undefined, {
      authorization: `Bearer ${system.apiKey}`,
      'x-request-id': 'req-seal-while-busy',
    });
    expect(sealed.status).toBe(202);
    const book = await api.finished(bookUuid);
    expect(book.sealed_by).toBe('request');
    // No signal but the first result's; the seal's request shows in the read that took it in.
    expect(await signalsTo(system, bookUuid)).toBe(1);
    const history = await system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid)).fetchHistory();
    expect(await decodedText(history)).toContain('"sealRequestId":"req-seal-while-busy"');
    await eventually(() => expect(eventNames(inbox.requests)).toEqual(TWO_DOCUMENTS_DELIVERED));
  });

  it('a burst to a quiet book: results that find no promise join the first one’s; each is delivered once, the book’s completion after them', async () => {
    const { system, api, inbox } = await systemWithEndpoint(ENV, cleanups);
    const bookUuid = await api.createBook({ name: 'Burst to a quiet book' });
    const docs: string[] = [];
    for (let n = 0; n < 24; n++) docs.push(await api.upload(bookUuid));
    // All at once: those stored before the first one's promise found none, and join the read it promised once its
    // signal is in; those after it found the promise. One signal in all. No worker until all are answered, so the
    // book's read cannot end the promise before the last has joined it (on a loaded machine it could, and those left
    // would be signalled, as they must).
    await system.stopWorker();
    await Promise.all(docs.map((docUuid) => api.verify(bookUuid, docUuid, 'SUCCEEDED')));
    await system.startWorker();
    await eventually(() => expect(inbox.requests).toHaveLength(24));
    expect(await signalsTo(system, bookUuid)).toBe(1);
    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);
    expect(book.document_counts).toMatchObject({ total: 24, verified: 24, verifying: 0 });
    await eventually(() => expect(inbox.requests).toHaveLength(26));
    expect(eventNames(inbox.requests).slice(24)).toEqual(['BOOK_COMPLETE', 'ANALYTICS_COMPLETED']);
    expect(new Set(inbox.requests.slice(0, 24).map((request) => request.json.doc_uuid))).toEqual(new Set(docs));
    expect(new Set(inbox.requests.map((request) => request.headers['webhook-id'])).size).toBe(26);
    expect(book.ignored_results.count).toBe(0);
    const handle = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
    expect((await handle.query(bookStateQuery)).ignoredCount).toBe(0);
  });

  it('results stored before the first one’s promise join the read it promised: one signal, each delivered once', async () => {
    const { system, api, inbox } = await systemWithEndpoint(ENV, cleanups);
    const bookUuid = await api.createBook({ name: 'Stored before the promise' });
    const docs: string[] = [];
    for (let n = 0; n < 5; n++) docs.push(await api.upload(bookUuid));
    // What the API does for each result, with every store before any promise (a burst's first results to a quiet
    // book, each finding none): then each sends, as it would, concurrently.
    const { pool, tenantId, client: temporal, taskQueue } = system;
    const stored = [];
    for (const docUuid of docs) {
      const result = await storeVerificationResult(pool, { tenantId, bookUuid, docUuid, result: 'SUCCEEDED' }, 100);
      if (result.kind !== 'stored') throw new Error(`not stored: ${result.kind}`);
      expect(result).toMatchObject({ inserted: true, reading: false });
      stored.push({ docUuid, ...result });
    }
    const row = await findBook(pool, tenantId, bookUuid);
    if (!row) throw new Error('no book');
    // No worker while they are sent, so the book cannot read its log before the others have joined the first one's
    // promise: on a loaded machine its read could come first and end the promise, and they would be signalled then,
    // as they must (two signals, correct, but not what this test is about).
    await system.stopWorker();
    const sent = await Promise.all(
      stored.map(({ docUuid, resultId, documents }) =>
        sendToBook(
          { pool, temporal, taskQueue },
          row,
          () => signalVerification(temporal, tenantId, bookUuid, { docUuid, result: 'SUCCEEDED', resultId, documents }),
          () => joinRead(pool, tenantId, bookUuid, resultId),
        ),
      ),
    );
    expect(sent).toEqual([true, true, true, true, true]);
    await system.startWorker();
    await eventually(() => expect(inbox.requests).toHaveLength(5));
    expect(await signalsTo(system, bookUuid)).toBe(1);
    expect(new Set(inbox.requests.map((request) => request.json.doc_uuid))).toEqual(new Set(docs));
    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);
    expect(book.document_counts).toMatchObject({ total: 5, verified: 5, verifying: 0 });
    expect(book.ignored_results.count).toBe(0);
    await eventually(() => expect(inbox.requests).toHaveLength(7));
    expect(new Set(inbox.requests.map((request) => request.headers['webhook-id'])).size).toBe(7);
  });

  it('the first recording after a burst’s signal defers to what the log holds: one recording records them all', async () => {
    const { system, api, inbox } = await systemWithEndpoint(ENV, cleanups);
    const bookUuid = await api.createBook({ name: 'Deferring' });
    const [a, b, c] = [await api.upload(bookUuid), await api.upload(bookUuid), await api.upload(bookUuid)];
    const { pool, tenantId, client: temporal, taskQueue } = system;
    // The first result, stored before any promise; the API promises, and two more are stored (and answered) before its
    // signal goes.
    const first = await storeVerificationResult(pool, { tenantId, bookUuid, docUuid: a, result: 'SUCCEEDED' }, 100);
    if (first.kind !== 'stored') throw new Error(`not stored: ${first.kind}`);
    await promiseRead(pool, tenantId, bookUuid, taskQueue);
    await api.verify(bookUuid, b, 'SUCCEEDED');
    await api.verify(bookUuid, c, 'FAILED', { reason: 'torn' });
    const { resultId, documents } = first;
    await signalVerification(temporal, tenantId, bookUuid, { docUuid: a, result: 'SUCCEEDED', resultId, documents });
    await eventually(() => expect(inbox.requests).toHaveLength(3));
    expect(inbox.requests.map((request) => request.json.doc_uuid)).toEqual([a, b, c]);
    const history = await system.client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid)).fetchHistory();
    const summaries = await testCodec().decode(
      (history.events ?? []).flatMap((event) =>
        event.activityTaskScheduledEventAttributes && event.userMetadata?.summary ? [event.userMetadata.summary] : [],
      ),
    );
    expect(summaries.map((summary) => JSON.parse(Buffer.from(summary.data ?? []).toString()) as string)).toEqual([
      expect.stringMatching(/^record VERIFICATION_COMPLETE → book UPLOAD \(or, if the log holds news/),
      expect.stringMatching(/^record VERIFICATION_COMPLETE ×3 → book UPLOAD; read the log/),
    ]);
    expect(await signalsTo(system, bookUuid)).toBe(1);
  });

  it('a result joins a promised read only while the promise holds and no read has gone past it', async () => {
    const { system, api } = await systemWithEndpoint(ENV, cleanups);
    await system.stopWorker(); // no read of its own comes between the steps
    const bookUuid = await api.createBook({ name: 'Joining' });
    const { pool, tenantId } = system;
    const docUuid = await api.upload(bookUuid);
    const stored = await storeVerificationResult(pool, { tenantId, bookUuid, docUuid, result: 'SUCCEEDED' }, 100);
    if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.kind}`);
    const join = () => joinRead(pool, tenantId, bookUuid, stored.resultId);
    const setBook = (set: string) =>
      pool.query(`update books set ${set} where tenant_id = $1 and book_uuid = $2`, [tenantId, bookUuid]);
    expect(await join()).toBe(false); // no promise: signalled as usual
    await setBook(`reads_log_until = now() + interval '10 seconds', log_read_through = ${stored.resultId}`);
    expect(await join()).toBe(false); // a read already went past it: the next read would not see it
    await setBook('log_read_through = null');
    expect(await join()).toBe(true);
    const { rows } = await pool.query('select unsignalled from verification_results where tenant_id = $1 and id = $2', [
      tenantId,
      stored.resultId,
    ]);
    expect(rows).toEqual([{ unsignalled: true }]);
  });

  it('a promise with more than half its time left stands; a shorter one is renewed', async () => {
    const { system, api } = await systemWithEndpoint(ENV, cleanups);
    const bookUuid = await api.createBook({ name: 'Promised twice' });
    const leftMs = async () =>
      (
        await system.pool.query<{ left_ms: number }>(
          `select (extract(epoch from reads_log_until - clock_timestamp()) * 1000)::float8 as left_ms
           from books where tenant_id = $1 and book_uuid = $2`,
          [system.tenantId, bookUuid],
        )
      ).rows[0]?.left_ms;
    const promiseLeaving = async (ms: number) => {
      await system.pool.query(
        `update books set reads_log_until = clock_timestamp() + $3::int * interval '1 millisecond'
         where tenant_id = $1 and book_uuid = $2`,
        [system.tenantId, bookUuid, ms],
      );
      await promiseRead(system.pool, system.tenantId, bookUuid, system.taskQueue);
      return leftMs();
    };
    // A promise made a moment ago by another API process is left as it is (no write); one about to lapse is renewed.
    expect(await promiseLeaving(8_000)).toBeLessThan(8_000);
    expect(await promiseLeaving(2_000)).toBeGreaterThan(9_000);
    // A recording's longer promise is never shortened.
    expect(await promiseLeaving(60_000)).toBeGreaterThan(50_000);
  });

  it('an API stopped between its promise and its signal leaves nothing stuck: a worker’s sweep wakes the book', async () => {
    const { system, api, inbox } = await systemWithEndpoint(ENV, cleanups);
    const bookUuid = await api.createBook({ name: 'Promised, never signalled' });
    const [first, second] = [await api.upload(bookUuid), await api.upload(bookUuid)];
    // What the API does before it signals, and then never did.
    await promiseRead(system.pool, system.tenantId, bookUuid, system.taskQueue);
    await api.verify(bookUuid, first, 'SUCCEEDED');
    await api.verify(bookUuid, second, 'FAILED', { reason: 'torn' });
    await api.seal(bookUuid);
    expect(await signalsTo(system, bookUuid)).toBe(0);
    // Once the promise lapses (10 s), the sweep nudges the book, which reads all three from the log.
    const book = await api.finished(bookUuid);
    expect(book.document_counts).toEqual({ total: 2, verifying: 0, verified: 1, rejected: 1 });
    await eventually(() => expect(eventNames(inbox.requests)).toEqual(TWO_DOCUMENTS_DELIVERED));
  }, 60_000);

  it('a sweep keeps only its own deployment’s lapsed promises, waking books with unread messages, less often each time', async () => {
    const { system, api } = await systemWithEndpoint(ENV, cleanups);
    await system.stopWorker(); // its own sweep must not race this one
    const [unread, readAll, foreign] = [
      await api.createBook({ name: 'unread' }),
      await api.createBook({ name: 'read' }),
      await api.createBook({ name: 'foreign' }),
    ];
    for (const bookUuid of [unread, foreign]) {
      const docUuid = await api.upload(bookUuid);
      await promiseRead(system.pool, system.tenantId, bookUuid, system.taskQueue);
      await api.verify(bookUuid, docUuid, 'SUCCEEDED'); // stored unsignalled under the promise
    }
    await promiseRead(system.pool, system.tenantId, readAll, system.taskQueue);
    // All three promises lapsed a minute ago; the third was made by another deployment (its own task queue).
    await system.pool.query(
      `update books set reads_log_until = now() - interval '1 minute',
         reads_log_queue = case when book_uuid = $2 then 'another-deployment' else reads_log_queue end
       where tenant_id = $1`,
      [system.tenantId, foreign],
    );
    const claimed = await claimLapsedReads(system.pool, system.taskQueue, 1_000, 100);
    const mine = claimed.filter((book) => book.tenant_id === system.tenantId);
    expect(
      mine.map(({ book_uuid, unread }) => ({ book_uuid, unread })).sort((a, b) => (a.book_uuid < b.book_uuid ? -1 : 1)),
    ).toEqual(
      [
        { book_uuid: unread, unread: true },
        { book_uuid: readAll, unread: false },
      ].sort((a, b) => (a.book_uuid < b.book_uuid ? -1 : 1)),
    );
    const lease = async (bookUuid: string) =>
      (
        await system.pool.query<{ left_ms: number | null; nudges: number }>(
          `select (extract(epoch from reads_log_until - now()) * 1000)::float8 as left_ms, read_nudges as nudges
           from books where tenant_id = $1 and book_uuid = $2`,
          [system.tenantId, bookUuid],
        )
      ).rows[0];
    // Nothing unread: the promise is simply ended. Unread: a new promise, twice as long at the next lapse.
    expect(await lease(readAll)).toEqual({ left_ms: null, nudges: 0 });
    expect(await lease(unread)).toMatchObject({ nudges: 1, left_ms: expect.closeTo(10_000, -4) });
    await system.pool.query(
      `update books set reads_log_until = now() - interval '1 minute' where tenant_id = $1 and book_uuid = $2`,
      [system.tenantId, unread],
    );
    await claimLapsedReads(system.pool, system.taskQueue, 1_000, 100);
    const again = await lease(unread);
    expect(again?.nudges).toBe(2);
    expect(again?.left_ms).toBeGreaterThan(15_000);
    expect((await lease(foreign))?.left_ms).toBeLessThan(0);
  });
});
