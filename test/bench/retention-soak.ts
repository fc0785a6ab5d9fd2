// `npm run bench` (last part): retention under a steady load. Rounds of the same load — books created with an
// Idempotency-Key, documents uploaded and verified, sealed, finished and delivered to a receiver, plus operational
// events — run against a worker whose retention schedule deletes everything after a few seconds. Each round prints the
// tables' row counts: they must level off. The run fails (exit 1) when a pruned table still grows (its mean count over
// the second half of the rounds more than 1.5 times its mean over the first half: rows never deleted make that about
// 2.5), or when the schedule never ran.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKey } from '../../src/db/api-keys.js';
import type { Pool } from '../../src/db/pool.js';
import { retentionScheduleId } from '../../workflows/retention-contract.js';
import { inParallel } from '../support/books.js';
import { crmClient } from './crm-client.js';
import { pollUntil, stageDeadlineMs } from './deadline.js';
import { benchNumber, expectStatus, startBenchSystem } from './harness.js';
import { runMain } from './shutdown.js';

const ROUNDS = benchNumber('BENCH_RETENTION_ROUNDS', 10, 5);
const BOOKS = benchNumber('BENCH_RETENTION_BOOKS', 30, 6);
const DOCS = benchNumber('BENCH_RETENTION_DOCS', 4, 2);
const CONCURRENCY = 4;
/** Ages of a few seconds: a round is longer than an age plus the schedule's interval. */
const AGE = '3s';
const INTERVAL = '2s';
const ROUND_DEADLINE_MS = stageDeadlineMs(60_000 + 2_000 * BOOKS);
/**
 * A round lasts at least this long (load, count, then a pause): longer than an age plus the interval, so what a round
 * made is gone before the next round's count, and every count is about one round's rows.
 */
const ROUND_MS = 8_000;
/** Deleted by retention: each must level off. `books` keeps a summary row per book by design, so it grows. */
const PRUNED = [
  'documents',
  'verification_results',
  'events',
  'deliveries',
  'delivery_attempts',
  'book_analytics',
  'book_changes',
  'idempotency_keys',
  'operational_events',
];
const GROWTH_LIMIT = 1.5;

async function main() {
  const receiver = createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const system = await startBenchSystem({
    RETENTION_INTERVAL: INTERVAL,
    RETAIN_DELIVERY_ATTEMPTS: AGE,
    RETAIN_CHANGE_LOG: AGE,
    RETAIN_OPERATIONAL_EVENTS: AGE,
    RETAIN_FINISHED_BOOKS: AGE,
    IDEMPOTENCY_KEY_TTL: AGE,
  }).catch((err: unknown) => {
    receiver.close();
    throw err;
  });
  const { call, pool, tenantId, client, api } = system;
  try {
    const { key } = await createApiKey(pool, tenantId, 'soak');
    const crm = crmClient(api.url, key);
    const keyed = (path: string, body: unknown) => crm('POST', path, body, { 'idempotency-key': randomUUID() });
    const events = ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'];
    await expectStatus(call('POST', '/v1/endpoints', { url: hooks, events }), 201);
    const counts: Array<Record<string, number>> = [];
    console.log(
      `retention soak: ${ROUNDS} rounds of ${BOOKS} books × ${DOCS} documents; every age ${AGE}, pruned every ${INTERVAL}`,
    );
    const columns = ['round', 'books', ...PRUNED];
    const widths = columns.map((column) => Math.max(column.length, 6));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
    console.log(line(columns));
    for (let round = 1; round <= ROUNDS; round++) {
      const started = Date.now();
      const books: string[] = [];
      await inParallel(
        Array.from({ length: BOOKS }, (_, i) => i),
        CONCURRENCY,
        async (i) => {
          const book = await expectStatus(keyed('/v1/books', { name: `soak ${round}.${i}` }), 201);
          const bookUuid = String(book.book_uuid);
          books.push(bookUuid);
          for (let d = 0; d < DOCS; d++) {
            const docUuid = randomUUID();
            await expectStatus(keyed(`/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'stmt.pdf' }), 202);
            await expectStatus(
              keyed(`/v1/books/${bookUuid}/documents/${docUuid}/verification`, { result: 'SUCCEEDED' }),
              202,
            );
          }
          await expectStatus(keyed(`/v1/books/${bookUuid}/seal`, {}), 202);
        },
      );
      // What a disabled endpoint records; nothing in this load disables one, so the soak writes them itself.
      await pool.query(
        `insert into operational_events (tenant_id, id, event_type, payload)
         select $1, gen_random_uuid(), 'endpoint.disabled', '{}' from generate_series(1, $2::int)`,
        [tenantId, BOOKS],
      );
      await pollUntil(
        `round ${round}: books finished and delivered`,
        ROUND_DEADLINE_MS,
        async () =>
          (
            await pool.query<{ open: number }>(
              `select count(*)::int as open from books b where b.tenant_id = $1 and b.book_uuid = any($2::uuid[])
               and (b.status <> 'ANALYTICS_COMPLETE' or exists (select 1 from deliveries d where d.tenant_id = b.tenant_id
                    and d.book_uuid = b.book_uuid and d.status = 'PENDING'))`,
              [tenantId, books],
            )
          ).rows[0]!.open,
        (open) => open === 0,
        (open) => `${open} books not finished and delivered`,
        200,
      );
      // Taken as the round's books have finished: the round's rows, plus whatever earlier rounds left behind.
      const row = await rowCounts(pool);
      counts.push(row);
      console.log(line([String(round), String(row.books), ...PRUNED.map((table) => String(row[table]))]));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ROUND_MS - Date.now())));
    }
    const schedule = await client.schedule.getHandle(retentionScheduleId('bookbell-bench')).describe();
    const runs = schedule.info.numActionsTaken;
    console.log(`retention schedule ran ${runs} times`);
    // Means, not single rounds: a round's count depends on where its deliveries stood when it was taken.
    const mean = (rows: Array<Record<string, number>>, table: string) =>
      rows.reduce((sum, row) => sum + (row[table] ?? 0), 0) / Math.max(1, rows.length);
    const half = Math.ceil(ROUNDS / 2);
    const growing = PRUNED.filter(
      (table) => mean(counts.slice(half), table) > GROWTH_LIMIT * Math.max(1, mean(counts.slice(0, half), table)),
    );
    if (runs === 0) throw new Error('the retention schedule never ran');
    if (growing.length > 0) throw new Error(`still growing after ${ROUNDS} rounds: ${growing.join(', ')}`);
    console.log(`levelled off: no pruned table's second-half mean above ${GROWTH_LIMIT}× its first-half mean`);
  } finally {
    await system.stop();
    receiver.close();
  }
}

async function rowCounts(pool: Pool): Promise<Record<string, number>> {
  const tables = ['books', ...PRUNED];
  const result = await pool.query<Record<string, number>>(
    `select ${tables.map((table) => `(select count(*)::int from ${table}) as ${table}`).join(', ')}`,
  );
  return result.rows[0]!;
}

runMain(main);
