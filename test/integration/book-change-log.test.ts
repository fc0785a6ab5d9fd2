import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { changeHorizon, readBookChanges } from '../../src/db/book-changes.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import type { ChangeCursor } from '../../src/stream/change-cursor.js';
import { eventually } from '../support/http.js';

let pool: Pool;
const tenantId = `log-${randomUUID().slice(0, 8)}`;

beforeAll(() => {
  pool = createPool(inject('databaseUrl'), createLogger('silent'));
});
afterAll(async () => {
  await pool.end();
});

async function newBook(): Promise<string> {
  const bookUuid = randomUUID();
  await pool.query('insert into tenants (id) values ($1) on conflict do nothing', [tenantId]);
  await pool.query(`insert into books (tenant_id, book_uuid, name) values ($1, $2, 'log')`, [tenantId, bookUuid]);
  return bookUuid;
}

/** The changes once no transaction holds them back (other test files write to the same database meanwhile). */
const settled = (bookUuid: string, after: ChangeCursor) =>
  eventually(async () => {
    const read = await readBookChanges(pool, tenantId, bookUuid, after, 100);
    expect(read.held).toBe(false);
    return read;
  });

const upload = (client: pg.ClientBase | Pool, bookUuid: string, name: string) =>
  client.query(
    `insert into documents (tenant_id, book_uuid, doc_uuid, name, uploaded_at) values ($1, $2, $3, $4, now())`,
    [tenantId, bookUuid, randomUUID(), name],
  );

describe('the book change log behind the stream', () => {
  it('holds back a change committed before an older transaction ends, then releases both in order', async () => {
    const bookUuid = await newBook();
    const start = await changeHorizon(pool);
    const older = new pg.Client({ connectionString: inject('databaseUrl') });
    await older.connect();
    try {
      await older.query('begin');
      await upload(older, bookUuid, 'older.pdf'); // takes its transaction id first
      await upload(pool, bookUuid, 'newer.pdf'); // commits first

      // The newer change is committed and visible, but an older transaction might still add changes before it.
      const during = await readBookChanges(pool, tenantId, bookUuid, start, 100);
      expect(during).toEqual({ changes: [], held: true, expired: false });

      await older.query('commit');
      const after = await settled(bookUuid, start);
      expect(after.changes.map((c) => c.kind)).toEqual(['document', 'document']);
      const names = await pool.query<{ name: string }>(
        `select d.name from unnest($1::text[]) with ordinality k(key, n) join documents d on d.doc_uuid = k.key::uuid
         order by n`,
        [after.changes.map((c) => c.key)],
      );
      // Transaction order, not commit order: a client resuming from the first never misses the second.
      expect(names.rows.map((r) => r.name)).toEqual(['older.pdf', 'newer.pdf']);
      const [first] = after.changes;
      const resumed = await readBookChanges(pool, tenantId, bookUuid, first?.cursor ?? start, 100);
      expect(resumed.changes).toEqual(after.changes.slice(1));
    } finally {
      await older.end();
    }
  });

  it('records no change for an update that changes nothing, and one per real change', async () => {
    const bookUuid = await newBook();
    const start = await changeHorizon(pool);
    await upload(pool, bookUuid, 'a.pdf');
    await pool.query(`update documents set name = name where book_uuid = $1`, [bookUuid]);
    await pool.query(`update books set updated_at = now() where book_uuid = $1`, [bookUuid]);
    await pool.query(`update books set status = 'UPLOAD', document_count = 1 where book_uuid = $1`, [bookUuid]);
    const { changes } = await settled(bookUuid, start);
    expect(changes.map((c) => c.kind)).toEqual(['document', 'book.status']);
  });

  it('orders changes by number, also past a digit boundary (9 before 10), and pages through them', async () => {
    const bookUuid = await newBook();
    const start = await changeHorizon(pool);
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query('begin');
    for (let i = 0; i < 25; i++) await upload(client, bookUuid, `doc-${i}.pdf`);
    await client.query('commit');
    await client.end();
    const all = (await settled(bookUuid, start)).changes;
    expect(all).toHaveLength(25);
    const ids = all.map((c) => c.cursor.id);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    // Reading 7 at a time from each page's last cursor gives the same changes, none twice.
    const paged = [];
    for (let cursor = start; ;) {
      const { changes } = await readBookChanges(pool, tenantId, bookUuid, cursor, 7);
      paged.push(...changes);
      if (changes.length < 7) break;
      cursor = (changes.at(-1) as (typeof changes)[number]).cursor;
    }
    expect(paged).toEqual(all);
  });
});
