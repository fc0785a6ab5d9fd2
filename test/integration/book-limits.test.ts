import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm } from '../support/books.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

const MAX_DOCUMENTS = 3;

let system: TestSystem;
let api: ReturnType<typeof crm>;

beforeAll(async () => {
  system = await startTestSystem({ BOOK_MAX_DOCUMENTS: String(MAX_DOCUMENTS) });
  api = crm(system);
});
afterAll(async () => {
  await system?.stop();
});

const upload = (bookUuid: string, docUuid: string) =>
  api.call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: `${docUuid}.pdf` });
const verify = (bookUuid: string, docUuid: string, result: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED') =>
  api.call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, { result });

async function stored(bookUuid: string) {
  const { rows } = await system.pool.query<{ documents: number; results: number }>(
    `select (select count(*)::int from documents where tenant_id = $1 and book_uuid = $2) as documents,
            (select count(*)::int from verification_results where tenant_id = $1 and book_uuid = $2) as results`,
    [system.tenantId, bookUuid],
  );
  return rows[0];
}

function expectFull(response: { status: number; body: any }) {
  expect(response.status, JSON.stringify(response.body)).toBe(409);
  expect(response.body).toMatchObject({ code: 'book-full', type: '/docs/problems/book-full' });
  expect(response.body.detail).toContain(`${MAX_DOCUMENTS} documents`);
}

describe('a book holds at most BOOK_MAX_DOCUMENTS documents', () => {
  it('refuses a new document past the maximum and changes nothing, while repeats and results for its documents go on', async () => {
    const bookUuid = await api.createBook({ name: 'Full' });
    const docs = [randomUUID(), randomUUID(), randomUUID()];
    for (const docUuid of docs) await api.upload(bookUuid, docUuid, `${docUuid}.pdf`);

    expectFull(await upload(bookUuid, randomUUID()));
    expectFull(await verify(bookUuid, randomUUID()));
    expect(await stored(bookUuid)).toEqual({ documents: 3, results: 0 });

    // A repeat of a document the book holds is no new document.
    expect((await upload(bookUuid, docs[0] as string)).status).toBe(202);
    for (const docUuid of docs) await api.verify(bookUuid, docUuid, 'SUCCEEDED');
    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);
    expect(book.document_counts ?? book.counts).toMatchObject({ total: 3, verified: 3 });
  });

  it('admits exactly the maximum when uploads and results for new documents race', async () => {
    const bookUuid = await api.createBook({ name: 'Race' });
    const attempts = Array.from({ length: 16 }, (_, i) => ({ docUuid: randomUUID(), byResult: i % 4 === 0 }));
    const answers = await Promise.all(
      attempts.map(({ docUuid, byResult }) => (byResult ? verify(bookUuid, docUuid) : upload(bookUuid, docUuid))),
    );
    const admitted = attempts.filter((_, i) => answers[i]?.status === 202);
    expect(admitted).toHaveLength(MAX_DOCUMENTS);
    for (const answer of answers.filter((a) => a.status !== 202)) expectFull(answer);
    expect((await stored(bookUuid))?.documents).toBe(MAX_DOCUMENTS);

    for (const { docUuid, byResult } of admitted) if (!byResult) await api.verify(bookUuid, docUuid, 'FAILED');
    await api.seal(bookUuid);
    const book = await api.finished(bookUuid);
    const held = (book.documents as Array<{ doc_uuid: string }>).map((doc) => doc.doc_uuid).sort();
    expect(held).toEqual(admitted.map(({ docUuid }) => docUuid).sort());
  });

  it('counts a document a result announced before its upload once, and a completed book gains no document', async () => {
    const bookUuid = await api.createBook({ name: 'Announced' });
    const announced = randomUUID();
    expect((await verify(bookUuid, announced)).status).toBe(202);
    await api.upload(bookUuid, announced, `${announced}.pdf`);
    await api.upload(bookUuid, randomUUID());
    await api.seal(bookUuid);
    expect((await upload(bookUuid, randomUUID())).status).toBe(409);
    const rest = (await api.get(bookUuid)).documents.filter((d: any) => d.doc_uuid !== announced);
    for (const doc of rest) await api.verify(bookUuid, doc.doc_uuid, 'SUCCEEDED');
    const book = await api.finished(bookUuid);
    expect(book.documents).toHaveLength(2);
    expect(book.documents).toContainEqual(
      expect.objectContaining({ doc_uuid: announced, name: `${announced}.pdf`, status: 'VERIFICATION_COMPLETE' }),
    );

    // After completion a result for an unknown document is refused and leaves no document behind.
    const late = await verify(bookUuid, randomUUID());
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('book-complete');
    expect((await stored(bookUuid))?.documents).toBe(2);
  });
});
