import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BookStatusAttribute,
  bookWorkflowId,
  DocumentCountAttribute,
  FailedDocumentCountAttribute,
} from '../../workflows/book-contract.js';
import { crm, statement } from '../support/books.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let api: ReturnType<typeof crm>;

beforeAll(async () => {
  system = await startTestSystem();
  api = crm(system);
});
afterAll(async () => {
  await system?.stop();
});

async function storedEvents(bookUuid: string) {
  const { rows } = await system.pool.query(
    'select event_id, event_type, doc_uuid, payload from events where tenant_id = $1 and book_uuid = $2 order by seq',
    [system.tenantId, bookUuid],
  );
  return rows;
}

describe('a user uploads one document and hears when it is verified', () => {
  it('emits VERIFICATION_COMPLETE, then BOOK_COMPLETE and ANALYTICS_COMPLETED once sealed', async () => {
    const bookUuid = await api.createBook({ name: 'Single statement' });
    const docUuid = await api.upload(bookUuid, randomUUID(), 'march.pdf');
    const fields = statement('CHK-9', '2026-03-01', '2026-03-31', {
      start: '100.00',
      end: '150.00',
      deposits: '80.00',
      withdrawals: '30.00',
    });
    await api.verify(bookUuid, docUuid, 'SUCCEEDED', { fields });
    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);

    expect(book.document_counts).toEqual({ total: 1, verifying: 0, verified: 1, rejected: 0 });
    expect(book.documents).toMatchObject([
      { doc_uuid: docUuid, name: 'march.pdf', status: 'VERIFICATION_COMPLETE', result: 'SUCCEEDED' },
    ]);
    expect(book.events.map((e: { event_name: string }) => e.event_name)).toEqual([
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(book.sealed_by).toBe('request');
    expect(book.analytics.accounts[0]).toMatchObject({ account_id: 'CHK-9', total_deposits: '80.00' });

    const [vc, bc, ac] = await storedEvents(bookUuid);
    expect(vc.payload).toMatchObject({
      event_id: vc.event_id,
      event_name: 'VERIFICATION_COMPLETE',
      status: 'VERIFICATION_COMPLETE',
      notification_type: 'STATUS',
      severity: 'LOW',
      notification_reason: "Document 'march.pdf' was verified",
      book_uuid: bookUuid,
      book_name: 'Single statement',
      doc_uuid: docUuid,
      uploaded_doc_uuid: docUuid,
      result: 'SUCCEEDED',
    });
    expect(bc.payload).toMatchObject({
      event_name: 'BOOK_COMPLETE',
      status: 'BOOK_COMPLETE',
      uploaded_docs: [{ uuid: docUuid, status: 'VERIFICATION_COMPLETE' }],
    });
    expect(ac.payload).toMatchObject({
      event_name: 'ANALYTICS_COMPLETED',
      analytics: { statement_count: 1 },
      analytics_truncated: false,
      analytics_url: `/v1/books/${bookUuid}`,
    });

    const handle = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(BookStatusAttribute)).toBe('ANALYTICS_COMPLETE');
    expect(description.typedSearchAttributes.get(DocumentCountAttribute)).toBe(1);
  });
});

describe('uploads that wake no book', () => {
  it('are counted by the results sent after them: each event counts every upload so far', async () => {
    const bookUuid = await api.createBook({ name: 'Uploads, then results at once' });
    const docs = [randomUUID(), randomUUID(), randomUUID()];
    // Answered once stored, never signalled: the first result says the log holds three documents.
    for (const docUuid of docs) await api.upload(bookUuid, docUuid);
    await api.verify(bookUuid, docs[0]!, 'SUCCEEDED');
    await api.verify(bookUuid, docs[1]!, 'FAILED', { reason: 'unreadable' });
    await api.seal(bookUuid);
    await api.verify(bookUuid, docs[2]!, 'SUCCEEDED');
    await api.finished(bookUuid);
    const counts = (await storedEvents(bookUuid)).map((event) => [event.event_type, event.payload.document_counts]);
    expect(counts).toEqual([
      ['VERIFICATION_COMPLETE', { total: 3, verifying: 2, verified: 1, rejected: 0 }],
      ['VERIFICATION_COMPLETE', { total: 3, verifying: 1, verified: 1, rejected: 1 }],
      ['VERIFICATION_COMPLETE', { total: 3, verifying: 0, verified: 2, rejected: 1 }],
      ['BOOK_COMPLETE', { total: 3, verifying: 0, verified: 2, rejected: 1 }],
      ['ANALYTICS_COMPLETED', { total: 3, verifying: 0, verified: 2, rejected: 1 }],
    ]);
  });
});

describe('a user tracks many bank statements in one book, some failing', () => {
  it('completes with every document, lists the failures and finds the balance break', async () => {
    const bookUuid = await api.createBook({ name: 'Q1 statements' });
    const chk = [
      ['2026-01-01', '2026-01-31', '1000.00', '1500.00', '2000.00', '1500.00', 0],
      ['2026-02-01', '2026-02-28', '1500.00', '1200.00', '1800.00', '2100.00', 0],
      ['2026-03-01', '2026-03-31', '1200.00', '1300.00', '1900.00', '1800.00', 1],
    ] as const;
    const sav = [
      ['2026-01-01', '2026-01-31', '5000.00', '5000.00', '0.00', '0.00', 0],
      ['2026-03-01', '2026-03-31', '4800.00', '4900.00', '100.00', '0.00', 0],
    ] as const;
    const statements = [...chk.map((s) => ['CHK-001', ...s] as const), ...sav.map((s) => ['SAV-002', ...s] as const)];
    const docs: string[] = [];
    for (const [account, from, to, start, end, deposits, withdrawals, nsf] of statements) {
      const docUuid = await api.upload(bookUuid, randomUUID(), `${account}-${from}.pdf`);
      docs.push(docUuid);
      await api.verify(bookUuid, docUuid, 'SUCCEEDED', {
        fields: statement(account, from, to, { start, end, deposits, withdrawals, nsf }),
      });
    }
    const payStubs = [await api.upload(bookUuid), await api.upload(bookUuid), await api.upload(bookUuid)];
    for (const docUuid of payStubs) await api.verify(bookUuid, docUuid, 'SUCCEEDED');
    const failed = [await api.upload(bookUuid), await api.upload(bookUuid)];
    for (const docUuid of failed) await api.verify(bookUuid, docUuid, 'FAILED', { reason: 'Image unreadable' });
    await api.seal(bookUuid);

    const book = await api.finished(bookUuid);
    expect(book.document_counts).toEqual({ total: 10, verifying: 0, verified: 8, rejected: 2 });
    expect(book.documents.filter((d: { status: string }) => d.status === 'REJECTED')).toEqual(
      failed.map((docUuid) => expect.objectContaining({ doc_uuid: docUuid, reason: 'Image unreadable' })),
    );
    expect(book.analytics).toMatchObject({
      statement_count: 5,
      account_count: 2,
      continuity_break_count: 1,
      gap_count: 1,
    });
    const [checking, savings] = book.analytics.accounts;
    expect(checking).toMatchObject({
      account_id: 'CHK-001',
      total_deposits: '5700.00',
      total_withdrawals: '5400.00',
      nsf_count: 1,
      gaps: [],
      balance_continuity: { continuous: true, breaks: [] },
    });
    expect(savings).toMatchObject({
      account_id: 'SAV-002',
      gaps: [{ from: '2026-02-01', to: '2026-02-28', days: 28 }],
      balance_continuity: {
        continuous: false,
        breaks: [
          {
            previous_doc_uuid: docs[3],
            next_doc_uuid: docs[4],
            previous_ending_balance: '5000.00',
            next_starting_balance: '4800.00',
            difference: '-200.00',
          },
        ],
      },
    });

    const events = await storedEvents(bookUuid);
    expect(events.filter((e) => e.event_type === 'VERIFICATION_COMPLETE')).toHaveLength(10);
    const bookComplete = events.find((e) => e.event_type === 'BOOK_COMPLETE');
    expect(bookComplete.payload).toMatchObject({
      severity: 'MODERATE',
      notification_reason: "Book 'Q1 statements' is complete: 8 verified, 2 failed",
      document_counts: { total: 10, verified: 8, rejected: 2, verifying: 0 },
      documents_truncated: false,
      documents_url: `/v1/books/${bookUuid}/documents`,
    });
    expect(bookComplete.payload.uploaded_docs).toHaveLength(10);
    expect(events.find((e) => e.event_type === 'ANALYTICS_COMPLETED').payload.severity).toBe('HIGH');
    const rejected = events.find((e) => e.doc_uuid === failed[0]);
    expect(rejected.payload).toMatchObject({ status: 'REJECTED', severity: 'MODERATE', reason: 'Image unreadable' });

    const description = await system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid)).describe();
    expect(description.typedSearchAttributes.get(FailedDocumentCountAttribute)).toBe(2);
  });
});

describe('duplicate, conflicting and out-of-order results', () => {
  it('registers a document whose result arrives before its upload, and keeps the first result only', async () => {
    const bookUuid = await api.createBook();
    const early = randomUUID();
    await api.verify(bookUuid, early, 'SUCCEEDED');
    const twice = await api.upload(bookUuid);
    await api.verify(bookUuid, twice, 'SUCCEEDED');
    await api.verify(bookUuid, twice, 'SUCCEEDED');
    await api.verify(bookUuid, twice, 'FAILED', { reason: 'second opinion' });

    const late = await api.call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: early, name: 'late.pdf' });
    expect(late.status).toBe(202);
    expect(late.body).toEqual({ doc_uuid: early, status: 'VERIFICATION_COMPLETE' });

    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);
    expect(book.documents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ doc_uuid: early, name: 'late.pdf', status: 'VERIFICATION_COMPLETE' }),
        expect.objectContaining({ doc_uuid: twice, status: 'VERIFICATION_COMPLETE', result: 'SUCCEEDED' }),
      ]),
    );
    expect(book.ignored_results.count).toBe(2);
    expect(book.ignored_results.recent.map((i: { reason: string }) => i.reason)).toEqual([
      expect.stringContaining('repeated result SUCCEEDED'),
      expect.stringContaining('conflicting result FAILED'),
    ]);
    const events = await storedEvents(bookUuid);
    expect(
      events
        .filter((e) => e.event_type === 'VERIFICATION_COMPLETE')
        .map((e) => e.doc_uuid)
        .sort(),
    ).toEqual([early, twice].sort());
  });
});

describe('sealing', () => {
  it('waits for pending documents, then refuses new uploads but accepts a repeat of a known one', async () => {
    const bookUuid = await api.createBook();
    const first = await api.upload(bookUuid);
    const second = await api.upload(bookUuid);
    await api.verify(bookUuid, first, 'SUCCEEDED');
    await api.seal(bookUuid);
    const sealed = await api.waitFor(bookUuid, 'SEALED');
    expect(sealed.document_counts.verifying).toBe(1);

    const refused = await api.call('POST', `/v1/books/${bookUuid}/documents`, { name: 'too-late.pdf' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(`Book ${bookUuid} is sealed: it takes no more uploads.`);
    const repeat = await api.call('POST', `/v1/books/${bookUuid}/documents`, {
      doc_uuid: second,
      name: `statement-${second.slice(0, 8)}.pdf`,
    });
    expect(repeat.status).toBe(202);

    await api.verify(bookUuid, second, 'FAILED');
    const done = await api.finished(bookUuid);
    expect(Date.parse(done.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.sealed_at));
    const afterwards = await api.call('POST', `/v1/books/${bookUuid}/documents/${randomUUID()}/verification`, {
      result: 'SUCCEEDED',
    });
    expect(afterwards.status).toBe(409);
    expect(afterwards.body.detail).toContain('is complete');
    expect((await api.call('POST', `/v1/books/${bookUuid}/seal`)).status).toBe(202);
  });

  it('seals a book by itself after seal_after of quiet', async () => {
    const bookUuid = await api.createBook({ seal_after: '2s' });
    const docUuid = await api.upload(bookUuid);
    await api.verify(bookUuid, docUuid, 'SUCCEEDED');
    const book = await api.finished(bookUuid);
    expect(book).toMatchObject({ seal_after: '2s', sealed_by: 'seal_after' });
    expect(Date.parse(book.sealed_at) - Date.parse(book.documents[0].verified_at)).toBeGreaterThanOrEqual(1900);
  });

  it('an upload within seal_after keeps the book open that much longer, though it wakes no book', async () => {
    const bookUuid = await api.createBook({ seal_after: '2s' });
    const first = await api.upload(bookUuid);
    await api.verify(bookUuid, first, 'SUCCEEDED');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const late = await api.upload(bookUuid);
    const uploaded = Date.now();
    // Past the first result's quiet time, not the upload's: the book takes more uploads.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const another = await api.call('POST', `/v1/books/${bookUuid}/documents`, { name: 'third.pdf' });
    expect(another.status).toBe(202);
    await api.verify(bookUuid, late, 'FAILED');
    await api.verify(bookUuid, another.body.doc_uuid, 'SUCCEEDED');
    const book = await api.finished(bookUuid);
    expect(book).toMatchObject({ sealed_by: 'seal_after', document_counts: { total: 3, verified: 2, rejected: 1 } });
    expect(Date.parse(book.sealed_at) - uploaded).toBeGreaterThanOrEqual(1900);
  });

  it('completes a sealed empty book at once, with empty analytics', async () => {
    const bookUuid = await api.createBook({ name: 'Nothing here' });
    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);
    expect(book.documents).toEqual([]);
    expect(book.analytics).toMatchObject({ statement_count: 0, account_count: 0, accounts: [] });
    const [bc] = await storedEvents(bookUuid);
    expect(bc.payload).toMatchObject({
      event_name: 'BOOK_COMPLETE',
      uploaded_docs: [],
      notification_reason: "Book 'Nothing here' is complete: it was sealed with no documents",
    });
  });
});

describe('refusals', () => {
  it('answers 404 for an unknown book and 400 naming the bad field, changing nothing', async () => {
    const unknown = randomUUID();
    expect((await api.call('POST', `/v1/books/${unknown}/documents`, { name: 'x.pdf' })).status).toBe(404);
    expect((await api.call('POST', `/v1/books/${unknown}/seal`)).status).toBe(404);
    expect(
      (await api.call('POST', `/v1/books/${unknown}/documents/${randomUUID()}/verification`, { result: 'FAILED' }))
        .status,
    ).toBe(404);

    const bookUuid = await api.createBook();
    const docUuid = randomUUID();
    const floats = await api.call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, {
      result: 'SUCCEEDED',
      fields: {
        ...statement('A', '2026-01-01', '2026-01-31', { start: '1', end: '2', deposits: '1', withdrawals: '0' }),
        total_deposits: 12.5,
      },
    });
    expect(floats.status).toBe(400);
    expect(floats.body.errors).toEqual([
      { field: 'fields.total_deposits', message: expect.stringContaining('integer cents') },
    ]);
    const badResult = await api.call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, {
      result: 'MAYBE',
    });
    expect(badResult.body.errors).toEqual([{ field: 'result', message: 'must be "SUCCEEDED" or "FAILED"' }]);
    expect((await api.get(bookUuid)).documents).toEqual([]);
  });

  it('refuses a different document under a known doc_uuid', async () => {
    const bookUuid = await api.createBook();
    const docUuid = await api.upload(bookUuid, randomUUID(), 'a.pdf');
    const clash = await api.call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'b.pdf' });
    expect(clash.status).toBe(409);
    expect(clash.body.detail).toContain("with the name 'a.pdf'");
  });

  it('never restarts a finished book when its create is repeated', async () => {
    const body = { book_uuid: randomUUID(), name: 'Finished' };
    await api.createBook(body);
    await api.seal(body.book_uuid);
    await api.finished(body.book_uuid);
    const repeat = await api.call('POST', '/v1/books', body);
    expect(repeat.status).toBe(200);
    expect((await api.get(body.book_uuid)).status).toBe('ANALYTICS_COMPLETE');
  });
});

describe('GET /v1/books', () => {
  it('lists the tenant’s books newest first, by status, a page at a time', async () => {
    const other = await startTestSystem();
    try {
      const client = crm(other);
      const books = [];
      for (let i = 0; i < 5; i++) books.push(await client.createBook({ name: `Book ${i}` }));
      await client.seal(books[0] as string);
      await client.finished(books[0] as string);

      const first = await client.call('GET', '/v1/books?limit=2');
      expect(first.body.data.map((b: { book_uuid: string }) => b.book_uuid)).toEqual([books[4], books[3]]);
      const second = await client.call('GET', `/v1/books?limit=2&cursor=${first.body.next_cursor}`);
      const third = await client.call('GET', `/v1/books?limit=2&cursor=${second.body.next_cursor}`);
      expect([...second.body.data, ...third.body.data].map((b: { book_uuid: string }) => b.book_uuid)).toEqual([
        books[2],
        books[1],
        books[0],
      ]);
      expect(third.body.next_cursor).toBeNull();

      const complete = await client.call('GET', '/v1/books?status=ANALYTICS_COMPLETE');
      expect(complete.body.data).toEqual([
        expect.objectContaining({ book_uuid: books[0], document_counts: expect.objectContaining({ total: 0 }) }),
      ]);
      expect((await client.call('GET', '/v1/books?limit=500')).status).toBe(400);
      expect((await client.call('GET', '/v1/books?cursor=bogus')).status).toBe(400);
      // Another tenant's books never show.
      expect((await api.call('GET', `/v1/books/${books[1]}`)).status).toBe(404);
    } finally {
      await other.stop();
    }
  });
});
