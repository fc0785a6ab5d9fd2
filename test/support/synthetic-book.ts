import { analyzeStatements, type StatementInput } from '../../src/analytics/bank-statements.js';
import type { DocumentCounts, DocumentStatus } from '../../src/contract/book.js';
import type { EmittedEvent } from '../../workflows/book-model.js';

/**
 * A finished book of `size` documents, built in memory and deterministic (no database, no workflow): what the event
 * bodies are built from. Every document is a monthly bank statement, twelve to an account; every 50th is rejected,
 * every 7th opens with a balance that breaks continuity and every 10th account skips a month.
 */
export interface SyntheticBook {
  bookUuid: string;
  bookName: string;
  docs: Array<{ uuid: string; status: DocumentStatus }>;
  counts: DocumentCounts;
  statements: StatementInput[];
}

/** A valid, deterministic v4-shaped UUID for `n`. */
export const uuidFor = (prefix: number, n: number): string => {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
};

export function syntheticBook(size: number, bookName = `Statements of ${size} documents`): SyntheticBook {
  const docs: SyntheticBook['docs'] = [];
  const statements: StatementInput[] = [];
  for (let i = 0; i < size; i += 1) {
    const uuid = uuidFor(2, i);
    const rejected = i % 50 === 49;
    docs.push({ uuid, status: rejected ? 'REJECTED' : 'VERIFICATION_COMPLETE' });
    if (rejected) continue;
    const account = Math.floor(i / 12);
    const month = (i % 12) + (account % 10 === 9 && i % 12 >= 6 ? 1 : 0); // a gap in every 10th account
    const year = 2024 + Math.floor(month / 12);
    const mm = String((month % 12) + 1).padStart(2, '0');
    const last = new Date(Date.UTC(year, (month % 12) + 1, 0)).getUTCDate();
    const start = 100_000 + (i % 7 === 6 ? 1_234 : 0); // every 7th breaks continuity
    statements.push({
      doc_uuid: uuid,
      fields: {
        account_id: `ACCT-${String(account).padStart(6, '0')}`,
        period_start: `${year}-${mm}-01`,
        period_end: `${year}-${mm}-${last}`,
        starting_balance: start,
        ending_balance: 100_000,
        total_deposits: 250_000,
        total_withdrawals: 250_000 + start - 100_000,
        nsf_count: i % 13 === 0 ? 1 : 0,
      },
    });
  }
  const rejected = docs.filter((d) => d.status === 'REJECTED').length;
  return {
    bookUuid: uuidFor(1, size),
    bookName,
    docs,
    counts: { total: size, verifying: 0, verified: size - rejected, rejected },
    statements,
  };
}

export const syntheticAnalytics = (book: SyntheticBook) => analyzeStatements(book.statements);

/** The book's events as the workflow emits them (the fields the body builder reads). */
export function syntheticEvent(
  book: SyntheticBook,
  type: EmittedEvent['type'],
  extra: Partial<EmittedEvent> = {},
): EmittedEvent {
  const id = book.bookUuid.replace(/-/g, '');
  const prefix = { VERIFICATION_COMPLETE: 'vc', BOOK_COMPLETE: 'bc', ANALYTICS_COMPLETED: 'ac' }[type];
  return {
    eventId: `evt_${prefix}_${id}`,
    type,
    occurredAt: '2026-12-01T12:00:00.000Z',
    bookStatus:
      type === 'VERIFICATION_COMPLETE' ? 'SEALED' : type === 'BOOK_COMPLETE' ? 'COMPLETE' : 'ANALYTICS_COMPLETE',
    counts: book.counts,
    ...extra,
  };
}
