import { describe, expect, it } from 'vitest';
import { NO_IGNORED_RESULTS, toBookSummary, toBookView } from '../../src/api/book-view.js';
import { BookViewSchema } from '../../src/contract/book-view.js';
import type { BookRow } from '../../src/db/books.js';

const BOOK = '6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c';
const DOC = '00000000-0000-4000-8000-000000000001';

const row: BookRow = {
  tenant_id: 't',
  book_uuid: BOOK,
  name: 'Q3',
  metadata: {},
  status: 'SEALED',
  seal_after_ms: '7200000',
  document_count: 0,
  verified_count: 0,
  rejected_count: 0,
  admitted_count: 0,
  created_at: new Date('2026-11-28T10:00:00Z'),
  sealed_at: new Date('2026-11-28T11:00:00Z'),
  sealed_by: 'seal_after',
  completed_at: null,
  analyzed_at: null,
  pruned_at: null,
};

describe('toBookView (from PostgreSQL alone)', () => {
  it('takes the seal and counts from what is stored, in the contract', () => {
    const counts = { total: 1, verifying: 1, verified: 0, rejected: 0 };
    const view = toBookView({ row, counts, docs: [], events: [], analytics: undefined, ignored: NO_IGNORED_RESULTS });
    expect(BookViewSchema.parse(view)).toEqual(view);
    expect(view).toMatchObject({
      status: 'SEALED',
      seal_after: '2h',
      sealed_at: '2026-11-28T11:00:00.000Z',
      sealed_by: 'seal_after',
      completed_at: null,
      document_counts: counts,
    });
  });

  it('words ignored results as the workflow did, saying how often one came', () => {
    const at = new Date('2026-11-28T10:30:00Z');
    const entry = { at, doc_uuid: DOC, times: 1 } as const;
    const view = toBookView({
      row,
      docs: [],
      events: [],
      analytics: undefined,
      ignored: {
        count: 5,
        recent: [
          { ...entry, result: 'SUCCEEDED', decided: 'SUCCEEDED', times: 3 },
          { ...entry, result: 'FAILED', decided: 'SUCCEEDED' },
          { ...entry, result: 'FAILED', decided: null },
        ],
      },
    });
    expect(view.ignored_results).toEqual({
      count: 5,
      recent: [
        'repeated result SUCCEEDED after SUCCEEDED: the first result stands (3 times)',
        'conflicting result FAILED after SUCCEEDED: the first result stands',
        'result for a document the completed book does not hold',
      ].map((reason) => ({ at: at.toISOString(), doc_uuid: DOC, kind: 'verification', reason })),
    });
  });
});

describe('toBookSummary (the list of books)', () => {
  it("counts the log's documents the book has not yet counted itself (uploads wake no book) until it completes", () => {
    const open = { ...row, status: 'UPLOAD' as const, document_count: 2, verified_count: 1, admitted_count: 5 };
    expect(toBookSummary(open).document_counts).toEqual({ total: 5, verified: 1, rejected: 0, verifying: 4 });
    // A completed book's own count is final: a result for an unknown document that reached it too late is not one.
    const complete = { ...open, status: 'COMPLETE' as const, document_count: 4, verified_count: 4, admitted_count: 5 };
    expect(toBookSummary(complete).document_counts).toEqual({ total: 4, verified: 4, rejected: 0, verifying: 0 });
  });
});
