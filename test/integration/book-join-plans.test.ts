import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresServer } from '../../src/db/embedded-postgres.js';
import { listDocumentPage } from '../../src/db/documents.js';
import { listEventDeliveries } from '../../src/db/delivery-lists.js';
import { listBookEventPage } from '../../src/db/events.js';
import { findIgnoredResults, IGNORED_RESULTS } from '../../src/db/ignored-results.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, createWorkerPool, type Pool } from '../../src/db/pool.js';
import { findUnappliedIntake, UNRECORDED_RESULTS } from '../../src/db/unapplied-intake.js';
import { createLogger } from '../../src/logger.js';
import { startTestPostgres } from '../support/postgres.js';
import { explainAsRan, recordingPool, type RanStatement } from '../support/recording-pool.js';

// A big book's joins of its own lists right after a burst, while the tables' statistics still say they are tiny
// (analyzed before the book's 5,000 documents arrived): the book view's ignored results, the check of the intake
// log before BOOK_COMPLETE, and the pages of its lists. What PostgreSQL reads is counted from its own plan (EXPLAIN
// ANALYZE).
let postgres: PostgresServer;
let pool: Pool;
/** The worker's pool on the same database (src/db/pool.ts: createWorkerPool). */
let workerPool: Pool;
const TENANT = 'stale';
const DOCUMENTS = 5_000;
const big = randomUUID();

/**
 * A small book and the big one, every document verified and delivered to one endpoint. The tables' statistics are
 * taken `before the big book` arrived, or `never` (a new installation, before autovacuum's first look: PostgreSQL
 * then guesses a book's rows from the table's size, and with `documents` in the big book and each row as wide as
 * `padding` makes it, guessed a handful and read the whole book into a sort for each page).
 */
async function fillTables(
  on: Pool,
  statistics: 'before the big book' | 'never',
  { documents: bigBook, padding }: { documents: number; padding: number },
): Promise<void> {
  const small = randomUUID();
  const book = (uuid: string) =>
    on.query(`insert into books (tenant_id, book_uuid, name, status) values ($1, $2, 'b', 'ANALYTICS_COMPLETE')`, [
      TENANT,
      uuid,
    ]);
  const documents = (uuid: string, n: number) =>
    on.query(
      `insert into documents (tenant_id, book_uuid, doc_uuid, status, result, uploaded_at, fields)
       select $1, $2, gen_random_uuid(), 'VERIFICATION_COMPLETE', 'SUCCEEDED', now(), jsonb_build_object('memo', repeat('x', $4))
       from generate_series(1, $3::int)`,
      [TENANT, uuid, n, padding],
    );
  const results = (uuid: string) =>
    on.query(
      `insert into verification_results (tenant_id, book_uuid, doc_uuid, result)
       select tenant_id, book_uuid, doc_uuid, result from documents where book_uuid = $1`,
      [uuid],
    );
  const events = (uuid: string) =>
    on.query(
      `insert into events (tenant_id, event_id, book_uuid, event_type, doc_uuid, occurred_at, payload)
       select tenant_id, 'evt_' || doc_uuid, book_uuid, 'VERIFICATION_COMPLETE', doc_uuid, now(),
              jsonb_build_object('memo', repeat('x', $2))
       from documents where book_uuid = $1`,
      [uuid, padding],
    );
  // Every event delivered to one endpoint, with one attempt: what the events page lists with each event.
  const endpoint = randomUUID();
  const delivered = async (uuid: string) => {
    await on.query(
      `insert into deliveries (tenant_id, event_id, endpoint_id, book_uuid, event_type, status)
       select tenant_id, event_id, $2, book_uuid, event_type, 'DELIVERED' from events where book_uuid = $1`,
      [uuid, endpoint],
    );
    await on.query(
      `insert into delivery_attempts (tenant_id, event_id, endpoint_id, attempt, duration_ms, status_code)
       select tenant_id, event_id, endpoint_id, 1, 10, 200 from deliveries where book_uuid = $1`,
      [uuid],
    );
  };
  await on.query(
    `insert into endpoints (tenant_id, id, url, events, signature_scheme, secret)
     values ($1, $2, 'https://example.com/hook', '{VERIFICATION_COMPLETE}', 'standard', 'x')`,
    [TENANT, endpoint],
  );
  await book(small);
  await documents(small, 3);
  await results(small);
  await events(small);
  await delivered(small);
  const tables = 'books, documents, verification_results, events, deliveries, delivery_attempts';
  if (statistics === 'before the big book') await on.query(`analyze ${tables}`);
  else for (const table of tables.split(', ')) await on.query(`alter table ${table} set (autovacuum_enabled = false)`);
  await book(big);
  await documents(big, bigBook);
  await results(big);
  await events(big);
  await delivered(big);
  // One repeat and one conflicting result: what the view lists.
  await on.query(
    `update verification_results set repeats = 2 where id = (select min(id) from verification_results where book_uuid = $1)`,
    [big],
  );
  await on.query(
    `insert into verification_results (tenant_id, book_uuid, doc_uuid, result)
     select tenant_id, book_uuid, doc_uuid, 'FAILED' from documents where book_uuid = $1 limit 1`,
    [big],
  );
}

/** The same tables on a database of their own, never analyzed (autovacuum kept off them). */
let unanalyzed: { postgres: PostgresServer; pool: Pool } | undefined;

beforeAll(async () => {
  postgres = await startTestPostgres();
  pool = createPool(postgres.url, createLogger('silent'));
  workerPool = createWorkerPool(postgres.url, createLogger('silent'));
  await migrate(pool);
  await fillTables(pool, 'before the big book', { documents: DOCUMENTS, padding: 0 });
  const other = await startTestPostgres();
  unanalyzed = { postgres: other, pool: createPool(other.url, createLogger('silent')) };
  await migrate(unanalyzed.pool);
  await fillTables(unanalyzed.pool, 'never', { documents: 2 * DOCUMENTS, padding: 1_800 });
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await workerPool?.end();
  await postgres?.stop();
  await unanalyzed?.pool.end();
  await unanalyzed?.postgres.stop();
});

interface PlanNode {
  'Node Type': string;
  'Actual Loops'?: number;
  'Actual Rows'?: number;
  'Rows Removed by Join Filter'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}
const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/**
 * Rows PostgreSQL visited running `sql` as `run` ran it on `on` (with its settings; the API's pool unless told),
 * kept or discarded, every loop.
 */
async function rowsVisited(sql: string, run: (on: Pool) => Promise<unknown>, on = pool): Promise<number> {
  const ran = (await statementsOf(on, run)).find((statement) => statement.text === sql);
  if (!ran) throw new Error('the statement did not run');
  return rowsVisitedBy(on, ran);
}

/** Rows PostgreSQL visited running a statement as the code ran it on `on` (with the settings of its transaction). */
async function rowsVisitedBy(on: Pool, statement: RanStatement): Promise<number> {
  const [explained] = await explainAsRan<Array<{ Plan: PlanNode }>>(on, statement, 'analyze, format json');
  const plan = explained?.Plan as PlanNode;
  return nodes(plan).reduce(
    (sum, node) =>
      sum +
      (node['Rows Removed by Join Filter'] ?? 0) +
      (node['Rows Removed by Filter'] ?? 0) +
      (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1),
    0,
  );
}

// About the book's lists once each, not their product (25 million rows with a nested loop).
describe('a book just grown to 5,000 documents, its statistics from before', () => {
  it('lists its ignored results reading each row about once', async () => {
    expect(await rowsVisited(IGNORED_RESULTS, (on) => findIgnoredResults(on, TENANT, big, 20))).toBeLessThan(
      10 * DOCUMENTS,
    );
    const found = await findIgnoredResults(pool, TENANT, big, 20);
    expect(found.count).toBe(3);
    expect(found.recent.map((entry) => entry.result).sort()).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('checks its intake log against its events reading each row about once', async () => {
    // The worker's check, planned as the worker plans it: once, for any book.
    const check = (on: Pool) => findUnappliedIntake(on, TENANT, big, { uploads: true });
    expect(await rowsVisited(UNRECORDED_RESULTS, check, workerPool)).toBeLessThan(10 * DOCUMENTS);
    const unapplied = await findUnappliedIntake(pool, TENANT, big, { uploads: true });
    expect(unapplied.results).toEqual([]);
    expect(unapplied.uploads).toEqual([]);
  });
});

/** The statements `read` runs on `on`, each with its parameters and settings. */
async function statementsOf(on: Pool, read: (pool: Pool) => Promise<unknown>): Promise<RanStatement[]> {
  const ran: RanStatement[] = [];
  await read(recordingPool(on, ran));
  return ran;
}

// A page is a few rows of an index in its order, never the whole book read and sorted because the statistics guess
// the book holds a row or two (a first events page of 9 ms at 10,000 documents where 0.05 ms was enough).
describe.each([
  ['5,000 documents, its statistics from before', () => pool],
  ['10,000 documents, its tables never analyzed', () => (unanalyzed as { pool: Pool }).pool],
])('the pages of a book just grown to %s', (_, database) => {
  const pages = {
    'its first documents page': (on: Pool) => listDocumentPage(on, TENANT, big, { limit: 10 }),
    'its first events page': (on: Pool) => listBookEventPage(on, TENANT, big, { limit: 10 }),
  };
  it("reads the deliveries of its first events page by their events' ids", async () => {
    const page = await listBookEventPage(database(), TENANT, big, { limit: 10 });
    const eventIds = page.map((event) => event.event_id);
    const [statement] = await statementsOf(database(), (on) => listEventDeliveries(on, TENANT, eventIds));
    expect(await rowsVisitedBy(database(), statement as RanStatement)).toBeLessThan(DOCUMENTS / 10);
    expect(await listEventDeliveries(database(), TENANT, eventIds)).toHaveLength(10);
  });
  for (const [name, read] of Object.entries(pages)) {
    it(`reads ${name} from an index, a page's rows`, async () => {
      const [statement, ...more] = await statementsOf(database(), read);
      expect(more).toEqual([]);
      expect(await rowsVisitedBy(database(), statement as RanStatement)).toBeLessThan(DOCUMENTS / 10);
      expect(await read(database())).toHaveLength(10);
    });
  }
});
