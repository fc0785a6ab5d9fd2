import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresServer } from '../../src/db/embedded-postgres.js';
import { findIgnoredResults, IGNORED_RESULTS } from '../../src/db/ignored-results.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, withoutNestedLoops, type Pool } from '../../src/db/pool.js';
import { findUnappliedIntake, UNRECORDED_RESULTS } from '../../src/db/unapplied-intake.js';
import { createLogger } from '../../src/logger.js';
import { startTestPostgres } from '../support/postgres.js';

// A big book's joins of its own lists right after a burst, while the tables' statistics still say they are tiny
// (analyzed before the book's 5,000 documents arrived): the book view's ignored results and the check of the intake
// log before BOOK_COMPLETE. What PostgreSQL reads is counted from its own plan (EXPLAIN ANALYZE).
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
  await book(small);
  await documents(small, 3);
  await results(small);
  await pool.query('analyze books, documents, verification_results, events');
  await book(big);
  await documents(big, DOCUMENTS);
  await results(big);
  await pool.query(
    `insert into events (tenant_id, event_id, book_uuid, event_type, doc_uuid, occurred_at, payload)
     select tenant_id, 'evt_' || doc_uuid, book_uuid, 'VERIFICATION_COMPLETE', doc_uuid, now(), '{}'
     from documents where book_uuid = $1`,
    [big],
  );
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
  const plan = await withoutNestedLoops(pool, async (client) => {
    const { rows } = await client.query(`explain (analyze, format json) ${sql}`, params);
    return (rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]?.Plan as PlanNode;
  });
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
