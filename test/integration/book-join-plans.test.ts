import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresServer } from '../../src/db/embedded-postgres.js';
import { listDocumentPage } from '../../src/db/documents.js';
import { listEventDeliveries } from '../../src/db/delivery-lists.js';
import { listBookEventPage } from '../../src/db/events.js';
import { findIgnoredResults, IGNORED_RESULTS } from '../../src/db/ignored-results.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, withoutNestedLoops, type Pool } from '../../src/db/pool.js';
import { findUnappliedIntake, UNRECORDED_RESULTS } from '../../src/db/unapplied-intake.js';
import { createLogger } from '../../src/logger.js';
import { startTestPostgres } from '../support/postgres.js';
import { recordingPool, type RanStatement } from '../support/recording-pool.js';

// A big book's joins of its own lists right after a burst, while the tables' statistics still say they are tiny
// (analyzed before the book's 5,000 documents arrived): the book view's ignored results, the check of the intake
// log before BOOK_COMPLETE, and the pages of its lists. What PostgreSQL reads is counted from its own plan (EXPLAIN
// ANALYZE).
let postgres: PostgresServer;
let pool: Pool;
const TENANT = 'stale';
const DOCUMENTS = 5_000;
const big = randomUUID();

beforeAll(async () => {
  postgres = await startTestPostgres();
  pool = createPool(postgres.url, createLogger('silent'));
  await migrate(pool);
  const small = randomUUID();
  const book = (uuid: string) =>
    pool.query(`insert into books (tenant_id, book_uuid, name, status) values ($1, $2, 'b', 'ANALYTICS_COMPLETE')`, [
      TENANT,
      uuid,
    ]);
  const documents = (uuid: string, n: number) =>
    pool.query(
      `insert into documents (tenant_id, book_uuid, doc_uuid, status, result, uploaded_at)
       select $1, $2, gen_random_uuid(), 'VERIFICATION_COMPLETE', 'SUCCEEDED', now() from generate_series(1, $3::int);
       `.trim(),
      [TENANT, uuid, n],
    );
  const results = (uuid: string) =>
    pool.query(
      `insert into verification_results (tenant_id, book_uuid, doc_uuid, result)
       select tenant_id, book_uuid, doc_uuid, result from documents where book_uuid = $1`,
      [uuid],
    );
  const events = (uuid: string) =>
    pool.query(
      `insert into events (tenant_id, event_id, book_uuid, event_type, doc_uuid, occurred_at, payload)
       select tenant_id, 'evt_' || doc_uuid, book_uuid, 'VERIFICATION_COMPLETE', doc_uuid, now(), '{}'
       from documents where book_uuid = $1`,
      [uuid],
    );
  // Every event delivered to one endpoint, with one attempt: what the events page lists with each event.
  const endpoint = randomUUID();
  const delivered = async (uuid: string) => {
    await pool.query(
      `insert into deliveries (tenant_id, event_id, endpoint_id, book_uuid, event_type, status)
       select tenant_id, event_id, $2, book_uuid, event_type, 'DELIVERED' from events where book_uuid = $1`,
      [uuid, endpoint],
    );
    await pool.query(
      `insert into delivery_attempts (tenant_id, event_id, endpoint_id, attempt, duration_ms, status_code)
       select tenant_id, event_id, endpoint_id, 1, 10, 200 from deliveries where book_uuid = $1`,
      [uuid],
    );
  };
  await pool.query(
    `insert into endpoints (tenant_id, id, url, events, signature_scheme, secret)
     values ($1, $2, 'https://example.com/hook', '{VERIFICATION_COMPLETE}', 'standard', 'x')`,
    [TENANT, endpoint],
  );
  await book(small);
  await documents(small, 3);
  await results(small);
  await events(small);
  await delivered(small);
  await pool.query('analyze books, documents, verification_results, events, deliveries, delivery_attempts');
  await book(big);
  await documents(big, DOCUMENTS);
  await results(big);
  await events(big);
  await delivered(big);
  // One repeat and one conflicting result: what the view lists.
  await pool.query(
    `update verification_results set repeats = 2 where id = (select min(id) from verification_results where book_uuid = $1)`,
    [big],
  );
  await pool.query(
    `insert into verification_results (tenant_id, book_uuid, doc_uuid, result)
     select tenant_id, book_uuid, doc_uuid, 'FAILED' from documents where book_uuid = $1 limit 1`,
    [big],
  );
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
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

/** Rows PostgreSQL visited running `sql` as the code runs it (`withoutNestedLoops`), kept or discarded, every loop. */
async function rowsVisited(sql: string, params: unknown[]): Promise<number> {
  return withoutNestedLoops(pool, (client) => rowsVisitedBy(client, sql, params));
}

/** The same, for a statement as it runs on a connection of the pool (`client`) with no setting of its own. */
async function rowsVisitedBy(client: Pick<Pool, 'query'>, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
    `explain (analyze, format json) ${sql}`,
    params,
  );
  const plan = rows[0]?.['QUERY PLAN'][0]?.Plan as PlanNode;
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
    expect(await rowsVisited(IGNORED_RESULTS, [TENANT, big, 20])).toBeLessThan(10 * DOCUMENTS);
    const found = await findIgnoredResults(pool, TENANT, big, 20);
    expect(found.count).toBe(3);
    expect(found.recent.map((entry) => entry.result).sort()).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('checks its intake log against its events reading each row about once', async () => {
    expect(await rowsVisited(UNRECORDED_RESULTS, [TENANT, big])).toBeLessThan(10 * DOCUMENTS);
    const unapplied = await findUnappliedIntake(pool, TENANT, big, { uploads: true });
    expect(unapplied.results).toEqual([]);
    expect(unapplied.uploads).toEqual([]);
  });
});

/** The statements `read` runs on the pool, each with its parameters. */
async function statementsOf(read: (pool: Pool) => Promise<unknown>): Promise<RanStatement[]> {
  const ran: RanStatement[] = [];
  await read(recordingPool(pool, ran));
  return ran;
}

// A page is a few rows of an index in its order, never the whole book read and sorted because the statistics guess
// the book holds a row or two (a first events page of 15 ms at 10,000 documents where 2 ms was usual).
describe('the pages of a book just grown to 5,000 documents, its statistics from before', () => {
  const pages = {
    'its first documents page': (on: Pool) => listDocumentPage(on, TENANT, big, { limit: 10 }),
    'its first events page': (on: Pool) => listBookEventPage(on, TENANT, big, { limit: 10 }),
  };
  it("reads the deliveries of its first events page by their events' ids", async () => {
    const page = await listBookEventPage(pool, TENANT, big, { limit: 10 });
    const eventIds = page.map((event) => event.event_id);
    const [statement] = await statementsOf((on) => listEventDeliveries(on, TENANT, eventIds));
    const { text, values } = statement as RanStatement;
    expect(await rowsVisitedBy(pool, text, values)).toBeLessThan(DOCUMENTS / 10);
    expect(await listEventDeliveries(pool, TENANT, eventIds)).toHaveLength(10);
  });
  for (const [name, read] of Object.entries(pages)) {
    it(`reads ${name} from an index, a page's rows`, async () => {
      const [statement, ...more] = await statementsOf(read);
      expect(more).toEqual([]);
      const { text, values } = statement as RanStatement;
      expect(await rowsVisitedBy(pool, text, values)).toBeLessThan(DOCUMENTS / 10);
      expect(await read(pool)).toHaveLength(10);
    });
  }
});
