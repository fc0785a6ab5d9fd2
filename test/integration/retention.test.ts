import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { pruneExpired } from '../../activities/prune-expired.js';
import * as retention from '../../src/db/retention.js';
import type { Pool } from '../../src/db/pool.js';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { startWorkerRole } from '../../src/roles.js';
import { createPool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import type { PostgresServer } from '../../src/db/embedded-postgres.js';
import { retentionScheduleId, type PruneCounts, type RetentionInput } from '../../workflows/retention-contract.js';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { startTestPostgres } from '../support/postgres.js';
import { startReceiver } from '../support/receiver.js';
import { openStream } from '../support/sse.js';
import { startTestSystem, workflowBundle, type TestSystem } from '../support/system.js';
import { TEST_SECRET_KEYS } from '../support/secret-keys.js';

/**
 * Retention against a real API, worker, Temporal schedule and PostgreSQL. Real books make the rows; the test ages them
 * with UPDATEs (100 days back), triggers the worker's retention schedule with the default ages, and looks at what a
 * CRM sees afterwards. The system has a database of its own: pruning is global, and other test files share theirs.
 */

let database: PostgresServer;
let system: TestSystem;
let api: ReturnType<typeof crm>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const closers: Array<() => Promise<void>> = [];

const DAY = "interval '1 day'";
/** Books of the test, by what retention must do with them. */
const books = { old: '', oldPending: '', recent: '', open: '' };
/** Where a stream of the recent book opened before it was created stood (its first message's id). */
let beforeRecent = '';

async function finishedBook(name: string): Promise<string> {
  const book = await api.createBook({ name });
  await api.verify(book, await api.upload(book), 'SUCCEEDED');
  await api.verify(book, await api.upload(book), 'FAILED', { reason: 'blurry' });
  await api.seal(book);
  await api.finished(book);
  return book;
}

const rowsOf = async (table: string, book: string) =>
  (
    await system.pool.query<{ n: number }>(
      `select count(*)::int as n from ${table} where tenant_id = $1 and book_uuid = $2`,
      [system.tenantId, book],
    )
  ).rows[0]!.n;

const attemptsOf = async (book: string) =>
  (
    await system.pool.query<{ n: number }>(
      `select count(*)::int as n from delivery_attempts a join deliveries d using (tenant_id, event_id, endpoint_id)
       where d.tenant_id = $1 and d.book_uuid = $2`,
      [system.tenantId, book],
    )
  ).rows[0]!.n;

const keyedPost = (key: string, name: string) =>
  request(
    system.apiUrl,
    'POST',
    '/v1/books',
    { name },
    { authorization: `Bearer ${system.apiKey}`, 'idempotency-key': key },
  );

/** Triggers the worker's retention schedule and returns the counts of the run it started. */
async function triggerRetention(): Promise<PruneCounts> {
  const schedule = system.client.schedule.getHandle(retentionScheduleId(system.taskQueue));
  const before = (await schedule.describe()).info.recentActions.length;
  await schedule.trigger();
  const action = await eventually(async () => {
    const { recentActions } = (await schedule.describe()).info;
    expect(recentActions.length).toBeGreaterThan(before);
    return recentActions.at(-1)!;
  });
  return system.client.workflow.getHandle(action.action.workflow.workflowId).result();
}

beforeAll(async () => {
  database = await startTestPostgres(inject('databaseUrl'));
  const pool = createPool(database.url, createLogger('silent'));
  await migrate(pool);
  await pool.end();
  system = await startTestSystem({
    DATABASE_URL: database.url,
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
    STREAM_HEARTBEAT_MS: '300',
  });
  api = crm(system);
  receiver = await startReceiver();
  const hook = await api.call('POST', '/v1/endpoints', {
    url: receiver.url,
    events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
  });
  expect(hook.status).toBe(201);
  // A filter that takes nothing: each book leaves a skipped event (table filter_skips) to prune.
  const filtered = await api.call('POST', '/v1/endpoints', {
    url: `${receiver.url}/filtered`,
    events: ['BOOK_COMPLETE'],
    filter: { field: 'book.name', eq: 'no such book' },
  });
  expect(filtered.status).toBe(201);
  books.old = await finishedBook('Finished last year');
  books.oldPending = await finishedBook('Finished last year, a delivery retried');
  const { rows } = await system.pool.query<{ xmin: string }>(
    'select pg_snapshot_xmin(pg_current_snapshot())::text as xmin',
  );
  beforeRecent = `${rows[0]!.xmin}-0`;
  books.recent = await finishedBook('Finished yesterday');
  books.open = await api.createBook({ name: 'Open for months' });
  await api.upload(books.open);
  // Every delivery has reached the receiver (the books' workflows end before their deliveries do).
  await eventually(async () => {
    const pending = await system.pool.query(`select 1 from deliveries where tenant_id = $1 and status <> 'DELIVERED'`, [
      system.tenantId,
    ]);
    expect(pending.rowCount).toBe(0);
    expect(await rowsOf('deliveries', books.recent)).toBe(4);
    expect(await rowsOf('filter_skips', books.recent)).toBe(1);
  });
}, 120_000);

afterAll(async () => {
  for (const close of closers) await close();
  await receiver?.close();
  await system?.stop();
  await database?.stop();
});

describe('retention', () => {
  it('is a schedule per task queue in Temporal, with the documented ages as its input', async () => {
    const schedule = await system.client.schedule.getHandle(retentionScheduleId(system.taskQueue)).describe();
    expect(schedule.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
    expect(schedule.action).toMatchObject({ workflowType: 'retentionWorkflow', taskQueue: system.taskQueue });
    expect(schedule.action.type === 'startWorkflow' && schedule.action.args).toEqual([
      {
        ages: {
          deliveryAttemptsMs: 30 * 86_400_000,
          idempotencyKeysMs: 86_400_000,
          changeLogMs: 3 * 86_400_000,
          operationalEventsMs: 90 * 86_400_000,
          finishedBooksMs: 90 * 86_400_000,
        },
      },
    ]);
  });

  it('deletes what aged out and keeps what a live book, a pending delivery or a recent read still needs', async () => {
    const { pool, tenantId } = system;
    const feedBefore = await api.call('GET', '/v1/events?limit=100');
    const firstCursor = feedBefore.body.data[0].cursor as string;
    const lastCursor = feedBefore.body.data.at(-1).cursor as string;

    // Age the rows: two books finished 100 days ago (one with a delivery a CRM retried since), one open for as long.
    for (const book of [books.old, books.oldPending, books.open]) {
      await pool.query(
        `update books set created_at = created_at - 100 * ${DAY}, analyzed_at = analyzed_at - 100 * ${DAY}
         where tenant_id = $1 and book_uuid = $2`,
        [tenantId, book],
      );
    }
    await pool.query(`update documents set uploaded_at = uploaded_at - 100 * ${DAY} where book_uuid = $1`, [
      books.open,
    ]);
    await pool.query(
      `update deliveries set status = 'PENDING', finished_at = null
       where tenant_id = $1 and book_uuid = $2 and event_type = 'BOOK_COMPLETE'`,
      [tenantId, books.oldPending],
    );
    // Every attempt 40 days old: only the pending delivery's survive.
    await pool.query(`update delivery_attempts set attempted_at = attempted_at - 40 * ${DAY} where tenant_id = $1`, [
      tenantId,
    ]);
    // The change log of the recent book, 4 days old.
    await pool.query(`update book_changes set changed_at = changed_at - 4 * ${DAY} where book_uuid = $1`, [
      books.recent,
    ]);
    const keys = [randomUUID(), randomUUID()];
    for (const key of keys) expect((await keyedPost(key, `keyed ${key}`)).status).toBe(201);
    await pool.query(`update idempotency_keys set created_at = created_at - 25 * interval '1 hour' where key = $1`, [
      keys[0],
    ]);
    await pool.query(
      `insert into operational_events (tenant_id, id, event_type, occurred_at, payload)
       values ($1, $2, 'endpoint.disabled', now() - 91 * ${DAY}, '{}'), ($1, $3, 'endpoint.disabled', now(), '{}')`,
      [tenantId, randomUUID(), randomUUID()],
    );

    const counts = await triggerRetention();
    expect(counts).toMatchObject({ books: 1, idempotencyKeys: 1, operationalEvents: 1 });
    expect(counts.changeLog).toBeGreaterThan(0);

    // The old finished book: its detail is gone, its summary stays in the list, and its routes say why.
    for (const table of [
      'documents',
      'verification_results',
      'events',
      'deliveries',
      'filter_skips',
      'book_analytics',
    ]) {
      expect(await rowsOf(table, books.old), table).toBe(0);
    }
    for (const path of ['', '/events', '/stream']) {
      const read = await api.call('GET', `/v1/books/${books.old}${path}`);
      expect(read.status, path).toBe(410);
      expect(read.body).toMatchObject({ code: 'book-expired', status: 410 });
    }
    expect((await api.call('POST', `/v1/books/${books.old}/seal`)).body.code).toBe('book-expired');
    const listed = (await api.call('GET', '/v1/books?limit=100')).body.data.find((b: any) => b.book_uuid === books.old);
    expect(listed).toMatchObject({ status: 'ANALYTICS_COMPLETE', document_counts: { total: 2 } });

    // Kept: the book whose delivery is pending (with that delivery's attempts), the recent one, the open one.
    const pending = await api.get(books.oldPending);
    expect(pending.documents).toHaveLength(2);
    expect(pending.events).toHaveLength(4);
    expect(await attemptsOf(books.oldPending)).toBe(1);
    expect((await api.get(books.recent)).events).toHaveLength(4);
    expect(await attemptsOf(books.recent)).toBe(0);
    expect((await api.get(books.open)).documents).toHaveLength(1);
    expect(await rowsOf('book_changes', books.open)).toBeGreaterThan(0);

    // The feed: events of the expired book are gone; a cursor from before them is refused, never resumed with a gap.
    const feed = await api.call('GET', '/v1/events?limit=100');
    expect(feed.body.data.map((e: any) => e.book_uuid)).not.toContain(books.old);
    expect(feed.body.data).toHaveLength(feedBefore.body.data.length - 4);
    const stale = await api.call('GET', `/v1/events?after=${firstCursor}`);
    expect(stale.status).toBe(410);
    expect(stale.body).toMatchObject({ code: 'cursor-expired' });
    const staleStream = await fetch(`${system.apiUrl}/v1/events/stream`, {
      headers: { authorization: `Bearer ${system.apiKey}`, 'last-event-id': firstCursor },
    });
    expect(staleStream.status).toBe(410);
    expect(((await staleStream.json()) as { code: string }).code).toBe('cursor-expired');
    expect((await api.call('GET', `/v1/events?after=${lastCursor}`)).status).toBe(200);

    // The book stream: a Last-Event-ID older than the change log starts over with the snapshot.
    const resumed = await openStream(`${system.apiUrl}/v1/books/${books.recent}/stream`, {
      authorization: `Bearer ${system.apiKey}`,
      'last-event-id': beforeRecent,
    });
    closers.push(() => resumed.close());
    await eventually(() => expect(resumed.messages[0]?.event).toBe('book'));
    expect(resumed.messages[0]!.data.events).toHaveLength(4);
    // A position the log still covers resumes as before: the next message is the change, not a snapshot.
    const now = await system.pool.query<{ xmin: string }>(
      'select pg_snapshot_xmin(pg_current_snapshot())::text as xmin',
    );
    const current = await openStream(`${system.apiUrl}/v1/books/${books.open}/stream`, {
      authorization: `Bearer ${system.apiKey}`,
      'last-event-id': `${now.rows[0]!.xmin}-0`,
    });
    closers.push(() => current.close());
    const docUuid = await api.upload(books.open);
    await eventually(() => expect(current.messages.map((m) => m.data?.doc_uuid)).toContain(docUuid));
    expect(current.messages[0]!.event).toBe('document');

    // Idempotency: the key past its 24 hours is free again, the recent one still replays.
    const [expiredKey, liveKey] = keys;
    const again = await keyedPost(expiredKey!, 'another');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const replay = await keyedPost(liveKey!, `keyed ${liveKey}`);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const operational = await pool.query('select count(*)::int as n from operational_events where tenant_id = $1', [
      tenantId,
    ]);
    expect(operational.rows[0].n).toBe(1);
  });

  it('deletes a backlog in batches, and a second run finds nothing left', async () => {
    await system.pool.query(`update books set analyzed_at = analyzed_at - 100 * ${DAY} where book_uuid = $1`, [
      books.recent,
    ]);
    const run = pruneExpired(system.pool);
    const ages = {
      deliveryAttemptsMs: 30 * 86_400_000,
      idempotencyKeysMs: 86_400_000,
      changeLogMs: 3 * 86_400_000,
      operationalEventsMs: 90 * 86_400_000,
      finishedBooksMs: 90 * 86_400_000,
    };
    const first = await run({ ages, batchSize: 2 });
    expect(first).toMatchObject({ more: false, counts: { books: 1 } });
    expect(first.counts.bookRows).toBeGreaterThan(2);
    expect(await rowsOf('events', books.recent)).toBe(0);
    const second = await run({ ages, batchSize: 2 });
    expect(second.counts).toMatchObject({ books: 0, bookRows: 0 });
    expect((await api.call('GET', `/v1/books/${books.recent}`)).status).toBe(410);
  });

  it('finds what each statement deletes through an index, never by reading a whole table', async () => {
    const client = await system.pool.connect();
    const plans: string[] = [];
    try {
      await client.query('begin');
      // Off, the planner still reads a whole table where no index serves the statement: the plan says so.
      await client.query('set local enable_seqscan = off');
      const explaining = {
        query: async (sql: string, params: unknown[]) => {
          const plan = await client.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params);
          plans.push(plan.rows.map((row) => row['QUERY PLAN']).join('\n'));
          return { rows: [{ deleted: 0 }], rowCount: 0 };
        },
      } as unknown as Pool;
      const books = [{ tenantId: system.tenantId, bookUuid: randomUUID() }];
      await retention.pruneDeliveryAttempts(explaining, 1, 5000);
      await retention.pruneIdempotencyKeys(explaining, 1, 5000);
      await retention.pruneChangeLog(explaining, 1, 5000);
      await retention.pruneOperationalEvents(explaining, 1, 5000);
      await retention.markExpiredBooks(explaining, 1, 100);
      await retention.booksBeingPruned(explaining, 100);
      await retention.pruneBookDetail(explaining, books, 5000);
      await retention.finishPruningBooks(explaining, books);
    } finally {
      await client.query('rollback');
      client.release();
    }
    expect(plans).toHaveLength(14);
    for (const plan of plans) expect(plan).not.toContain('Seq Scan');
  });

  it("follows the settings of the last worker started: its interval and ages replace the schedule's", async () => {
    const config = loadConfig({
      SECRET_KEYS: TEST_SECRET_KEYS,
      TEMPORAL_TASK_QUEUE: system.taskQueue,
      RETENTION_INTERVAL: '30m',
      RETAIN_FINISHED_BOOKS: '30d',
    });
    const worker = await startWorkerRole({
      config,
      temporalAddress: inject('temporalAddress'),
      pool: system.pool,
      logger: createLogger('silent'),
      workflowBundle: await workflowBundle(),
    });
    try {
      const schedule = await system.client.schedule.getHandle(retentionScheduleId(system.taskQueue)).describe();
      expect(schedule.spec.intervals).toMatchObject([{ every: 1_800_000 }]);
      const [input] = schedule.action.type === 'startWorkflow' ? (schedule.action.args as RetentionInput[]) : [];
      expect(input?.ages.finishedBooksMs).toBe(30 * 86_400_000);
    } finally {
      await worker.stop();
    }
  });
});
