import type { Arrival } from './receiver.js';

/** What the API acknowledged to a CRM for one book: each a promise that bookbell must keep. */
export interface AcknowledgedBook {
  /** Documents whose upload got a 202. */
  uploads: Set<string>;
  /** Documents whose verification result got a 202, with that (first acknowledged) result. */
  results: Map<string, 'SUCCEEDED' | 'FAILED'>;
  /** The seal got a 202. */
  sealed: boolean;
}

/**
 * The ledger of a stage's acknowledgements: every 202 the CRM got for an upload, a verification result or a seal.
 * `recorded.ts` compares it with what PostgreSQL holds afterwards.
 */
export class Acknowledged {
  readonly books = new Map<string, AcknowledgedBook>();

  constructor(readonly tenantId: string) {}

  book(bookUuid: string): AcknowledgedBook {
    let book = this.books.get(bookUuid);
    if (!book) {
      book = { uploads: new Set(), results: new Map(), sealed: false };
      this.books.set(bookUuid, book);
    }
    return book;
  }

  upload(bookUuid: string, docUuid: string): void {
    this.book(bookUuid).uploads.add(docUuid);
  }

  result(bookUuid: string, docUuid: string, result: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED'): void {
    const { results } = this.book(bookUuid);
    if (!results.has(docUuid)) results.set(docUuid, result);
  }

  seal(bookUuid: string): void {
    this.book(bookUuid).sealed = true;
  }

  /** How many of each were acknowledged. */
  counts(): { books: number; uploads: number; results: number; seals: number } {
    const books = [...this.books.values()];
    return {
      books: books.length,
      uploads: books.reduce((sum, b) => sum + b.uploads.size, 0),
      results: books.reduce((sum, b) => sum + b.results.size, 0),
      seals: books.filter((b) => b.sealed).length,
    };
  }

  /**
   * The events these acknowledgements promise, by key (`VERIFICATION_COMPLETE <doc>`, `BOOK_COMPLETE <book>`,
   * `ANALYTICS_COMPLETED <book>`): one per acknowledged result, and both book events per sealed book once every
   * document it knows has a result.
   */
  expectedEvents(): Set<string> {
    const keys = new Set<string>();
    for (const [bookUuid, book] of this.books) {
      for (const docUuid of book.results.keys()) keys.add(`VERIFICATION_COMPLETE ${docUuid}`);
      const everyUploadHasResult = [...book.uploads].every((docUuid) => book.results.has(docUuid));
      if (book.sealed && everyUploadHasResult) {
        keys.add(`BOOK_COMPLETE ${bookUuid}`);
        keys.add(`ANALYTICS_COMPLETED ${bookUuid}`);
      }
    }
    return keys;
  }
}

/** The key of an arrival as `expectedEvents` names its event. */
export const arrivalKey = (arrival: Arrival): string => eventKey(arrival.eventName, arrival.bookUuid, arrival.docUuid);

/** The key of an event as `expectedEvents` names it. */
export function eventKey(eventType: string, bookUuid: string, docUuid: string | null | undefined): string {
  return `${eventType} ${eventType === 'VERIFICATION_COMPLETE' ? docUuid : bookUuid}`;
}
