import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import type { PostgresServer } from '../../src/db/embedded-postgres.js';
import { IGNORED_RESULTS } from '../../src/db/ignored-results.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, withClient, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { appWithoutBackends } from '../support/app-without-backends.js';
import { request } from '../support/http.js';
import { startTestPostgres } from '../support/postgres.js';
import { explainAsRan, recordingPool, type RanStatement } from '../support/recording-pool.js';

/**
 * Every list route (and the summary's counts), on tables of a realistic size (tens of thousands of rows, one book of 30,000 documents): each query
 * a route runs is planned on an index, never a sequential scan of a big table, and no list sorts the whole table to
 * find a page. The plans are PostgreSQL's own (EXPLAIN after ANALYZE) for the very statements the routes ran.
 */

const TENANT = 'plans';
const BIG_TABLES = [
  'books',
  'documents',
  'events',
  'deliveries',
  'delivery_attempts',
  'endpoints',
  'operational_events',
];

/**
 * Statements that read all of a book by design: the view's count of its ignored results joins every result with its
 * document (here half the documents table, so PostgreSQL rightly scans it). Their plans on a book that outgrew its
 * statistics are test/integration/book-join-plans.test.ts's.
 */
const WHOLE_BOOK = [IGNORED_RESULTS];

const BIG_BOOK = "(select uid('book1'))";
const ENDPOINT = "(select uid('hook1'))";
/** The big book's rows are the first 30,000; the others' are spread over 3,000 more books. */
const BOOK_OF = "uid('book' || case when i <= 30000 then 1 else 2 + i % 3000 end)";

/** One statement per table, generate_series all the way: the load takes seconds, not minutes. */
const LOAD = [
  // A valid v4 UUID made from a text: the API refuses any other.
  `create function uid(t text) returns uuid language sql immutable
   as $$ select overlay(overlay(md5(t) placing '4' from 13) placing '8' from 17)::uuid $$`,
  // As books accumulate: most are finished (completed over the last weeks), a tenth open, a tenth sealed.
  `insert into books (tenant_id, book_uuid, name, status, created_at, completed_at)
   select $1, uid('book' || i), 'Book ' || i,
          case i % 10 when 0 then 'UPLOAD' when 5 then 'SEALED' else 'ANALYTICS_COMPLETE' end,
          now() - make_interval(secs => i),
          case when i % 10 not in (0, 5) then now() - make_interval(mins => 3 * i) end
   from generate_series(1, 20000) i`,
  `insert into documents (tenant_id, book_uuid, doc_uuid, name, uploaded_at)
   select $1, ${BOOK_OF}, uid('doc' || i), 'doc ' || i, now()
   from generate_series(1, 60000) i`,
  `insert into events (tenant_id, event_id, book_uuid, event_type, doc_uuid, occurred_at, payload)
   select $1, 'evt_vc_' || i, ${BOOK_OF}, 'VERIFICATION_COMPLETE', uid('doc' || i), now(),
          jsonb_build_object('status', 'VERIFICATION_COMPLETE', 'severity', 'LOW', 'notification_reason', 'verified',
                             'result', case when i % 10 = 0 then 'FAILED' else 'SUCCEEDED' end)
   from generate_series(1, 60000) i`,
  `insert into endpoints (tenant_id, id, url, events, signature_scheme, secret, created_at)
   select $1, uid('hook' || i), 'https://example.com/' || i, '{VERIFICATION_COMPLETE}', 'standard', 'x',
          now() - make_interval(secs => i)
   from generate_series(1, 5000) i`,
  // The big book's events go to hook1, the others' to hook2; every 100th failed.
  `insert into deliveries (tenant_id, event_id, endpoint_id, book_uuid, event_type, status, created_at)
   select $1, 'evt_vc_' || i, uid('hook' || case when i <= 30000 then 1 else 2 end), ${BOOK_OF},
          'VERIFICATION_COMPLETE', case when i % 100 = 0 then 'FAILED' else 'DELIVERED' end,
          now() - make_interval(secs => i)
   from generate_series(1, 60000) i`,
  `insert into delivery_attempts (tenant_id, event_id, endpoint_id, attempt, duration_ms, status_code)
   select $1, 'evt_vc_' || i, ${ENDPOINT}, 1, 10, 200 from generate_series(1, 30000) i
   union all
   select $1, 'evt_vc_1', ${ENDPOINT}, a, 10, 500 from generate_series(2, 301) a`,
  `insert into operational_events (tenant_id, id, event_type, endpoint_id, occurred_at, payload)
   select $1, uid('op' || i), 'endpoint.disabled', ${ENDPOINT}, now() - make_interval(secs => i), '{}'
   from generate_series(1, 20000) i`,
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

let postgres: PostgresServer;
let pool: Pool;
let server: Server;
let apiUrl: string;
let apiKey: string;
let bigBook: string;
let endpoint: string;
/** Every statement the API ran, with its parameters. */
const ran: RanStatement[] = [];

beforeAll(async () => {
  // A database of its own on the run's server: the big tables never slow or skew another test file.
  postgres = await startTestPostgres(inject('databaseUrl'));
  pool = createPool(postgres.url, createLogger('silent'));
  await migrate(pool);
  ({ key: apiKey } = await createApiKey(pool, TENANT, 'plans'));
  await withClient(pool, async (client) => {
    // Loaded as a replica would be: no change-log triggers or foreign-key checks for rows made consistent here.
    await client.query('set session_replication_role = replica');
    for (const statement of LOAD) await client.query(statement, statement.includes('$1') ? [TENANT] : []);
  });
  // As autovacuum leaves a table: statistics gathered, pages marked all-visible (index-only scans count on it).
  await pool.query('vacuum analyze');
  const ids = await pool.query<{ book: string; hook: string }>(
    `select ${BIG_BOOK}::text as book, ${ENDPOINT}::text as hook`,
  );
  ({ book: bigBook, hook: endpoint } = ids.rows[0] as { book: string; hook: string });

  const recording = recordingPool(pool, ran);
  const app = appWithoutBackends(recording);
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve);
  });
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
  await postgres?.stop();
});

/** Reads the route's first two pages and returns the statements it ran (besides the API key's lookup). */
async function statementsOf(path: string): Promise<RanStatement[]> {
  const get = (url: string) => request(apiUrl, 'GET', url, undefined, { authorization: `Bearer ${apiKey}` });
  ran.length = 0;
  const first = await get(path);
  expect(first.status, JSON.stringify(first.body)).toBe(200);
  const cursor = (first.body as { next_cursor?: string | null }).next_cursor;
  if (cursor) {
    const second = await get(`${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
  }
  return ran.filter(({ text }) => !/from api_keys/.test(text));
}

async function planOf(statement: RanStatement): Promise<PlanNode[]> {
  const plan = await explainAsRan<Array<{ Plan: PlanNode }>>(pool, statement, 'format json');
  return nodesOf(plan[0]!.Plan);
}

describe('every list route on tables of tens of thousands of rows', () => {
  const routes = () => [
    '/v1/books?limit=50',
    '/v1/books?status=UPLOAD&limit=50',
    `/v1/books/${bigBook}`,
    `/v1/books/${bigBook}/documents?limit=100`,
    `/v1/books/${bigBook}/events?limit=100`,
    `/v1/books/${bigBook}/deliveries?limit=50`,
    `/v1/books/${bigBook}/deliveries?status=FAILED&limit=50`,
    '/v1/endpoints?limit=50',
    `/v1/endpoints/${endpoint}/deliveries?limit=50`,
    `/v1/endpoints/${endpoint}/deliveries?status=FAILED&limit=50`,
    `/v1/deliveries/evt_vc_1.${endpoint}/attempts?limit=50`,
    '/v1/operational-events?limit=50',
    '/v1/summary',
    `/v1/summary?since=${new Date(Date.now() - 31 * 24 * 60 * 60_000 + 60_000).toISOString()}`,
  ];

  it('plans each statement a route runs on an index: no sequential scan of a big table, no sort of a whole list', async () => {
    const findings: string[] = [];
    for (const route of routes()) {
      const statements = await statementsOf(route);
      expect(statements.length, route).toBeGreaterThan(0);
      for (const statement of statements) {
        if (WHOLE_BOOK.includes(statement.text)) continue;
        const nodes = await planOf(statement);
        const sql = statement.text.replace(/\s+/g, ' ').slice(0, 120);
        for (const node of nodes) {
          if (node['Node Type'] === 'Seq Scan' && BIG_TABLES.includes(node['Relation Name'] ?? '')) {
            findings.push(`${route}: seq scan of ${node['Relation Name']} in ${sql}`);
          }
          const sorted = node['Node Type'] === 'Sort' ? (node.Plans?.[0]?.['Plan Rows'] ?? 0) : 0;
          if (sorted > 1000) findings.push(`${route}: sorts ${sorted} rows in ${sql}`);
        }
      }
    }
    expect(findings).toEqual([]);
  }, 120_000);

  it('the big book pages on: the view lists 100 documents and points at the rest', async () => {
    const view = await request(apiUrl, 'GET', `/v1/books/${bigBook}`, undefined, { authorization: `Bearer ${apiKey}` });
    expect(view.body.documents).toHaveLength(100);
    expect(view.body.events).toHaveLength(100);
    expect(view.body.document_counts.total).toBe(30_000);
    expect(view.body.documents_next_cursor).toEqual(expect.any(String));
    const next = await request(
      apiUrl,
      'GET',
      `/v1/books/${bigBook}/documents?cursor=${view.body.documents_next_cursor as string}`,
      undefined,
      { authorization: `Bearer ${apiKey}` },
    );
    expect(next.body.data).toHaveLength(100);
    expect(next.body.data[0].name).toBe('doc 101');
  });
});
