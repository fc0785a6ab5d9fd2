import { randomUUID } from 'node:crypto';
import type { Acknowledged } from '../bench/acknowledged.js';
import { inParallel } from '../support/books.js';

/** One book of a drill: its id and its documents' ids, chosen by the CRM so every retry is the same request. */
export interface DrillBook {
  bookUuid: string;
  docs: string[];
}

/** What the CRM saw: answers by status, and requests it had to send again (no answer, 5xx, 409 "in flight"). */
export interface CrmTally {
  answered: Map<number, number>;
  retried: number;
  /** Requests still unanswered when the CRM gave up (each one's events would count as lost). */
  abandoned: number;
}

/**
 * A careful CRM: it picks its own book and document ids and sends an `Idempotency-Key` with every POST, so a request
 * the API did not answer (connection refused or cut, a 5xx, a 409 while its first try is still in flight) is simply
 * sent again until it is answered — by whichever API process is up.
 */
export class DrillCrm {
  readonly tally: CrmTally = { answered: new Map(), retried: 0, abandoned: 0 };
  #waiting: Array<{ total: number; resolve: () => void }> = [];

  /** Every 202 (and book create) it got goes into `acknowledged`: what the audit checks in PostgreSQL. */
  constructor(
    private readonly apiUrl: string,
    private readonly apiKey: string,
    readonly acknowledged: Acknowledged,
    private readonly giveUpAfterMs = 120_000,
  ) {}

  /** POSTs until answered; returns the final status. 4xx other than an in-flight 409 are answers too. */
  async post(path: string, body: unknown, idempotencyKey: string): Promise<number> {
    const deadline = Date.now() + this.giveUpAfterMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(`${this.apiUrl}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
          },
          body: JSON.stringify(body ?? {}),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        const inFlight = response.status === 409 && text.includes('still being handled');
        if (response.status < 500 && !inFlight) {
          this.tally.answered.set(response.status, (this.tally.answered.get(response.status) ?? 0) + 1);
          this.#wakeWaiters();
          return response.status;
        }
      } catch {
        // no answer: the API is down, restarting, or cut the connection
      }
      this.tally.retried += 1;
      if (Date.now() > deadline) {
        this.tally.abandoned += 1;
        return 0;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
    }
  }

  /** How many requests have been answered so far. */
  get answered(): number {
    return [...this.tally.answered.values()].reduce((sum, n) => sum + n, 0);
  }

  /**
   * Resolves the moment the `total`-th request is answered (not at the next poll: a small burst answered quickly
   * would be over before a fault meant for its middle).
   */
  whenAnswered(total: number): Promise<void> {
    if (this.answered >= total) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ total, resolve }));
  }

  #wakeWaiters(): void {
    const answered = this.answered;
    const reached = this.#waiting.filter((waiter) => waiter.total <= answered);
    this.#waiting = this.#waiting.filter((waiter) => waiter.total > answered);
    for (const waiter of reached) waiter.resolve();
  }

  /** Books of `docs` documents each, with their ids. */
  static plan(books: number, docs: number): DrillBook[] {
    return Array.from({ length: books }, () => ({
      bookUuid: randomUUID(),
      docs: Array.from({ length: docs }, () => randomUUID()),
    }));
  }

  /** Creates the books and uploads their documents, `concurrency` requests at a time. */
  async prepare(books: DrillBook[], concurrency: number): Promise<void> {
    await inParallel(books, concurrency, async ({ bookUuid }) => {
      const body = { book_uuid: bookUuid, name: `Drill ${bookUuid.slice(0, 8)}` };
      const status = await this.post('/v1/books', body, `create-${bookUuid}`);
      if (status === 200 || status === 201) this.acknowledged.book(bookUuid);
    });
    const uploads = books.flatMap(({ bookUuid, docs }) => docs.map((docUuid) => ({ bookUuid, docUuid })));
    await inParallel(uploads, concurrency, async ({ bookUuid, docUuid }) => {
      const body = { doc_uuid: docUuid, name: 'stmt.pdf' };
      const status = await this.post(`/v1/books/${bookUuid}/documents`, body, `upload-${docUuid}`);
      if (status === 202) this.acknowledged.upload(bookUuid, docUuid);
    });
  }

  /** The burst: every document's verification result, then each book's seal. */
  async finish(books: DrillBook[], concurrency: number): Promise<void> {
    const requests = books.flatMap(({ bookUuid, docs }) => [
      ...docs.map((docUuid) => ({ bookUuid, docUuid })),
      { bookUuid, docUuid: undefined },
    ]);
    await inParallel(requests, concurrency, async ({ bookUuid, docUuid }) => {
      if (docUuid) {
        const path = `/v1/books/${bookUuid}/documents/${docUuid}/verification`;
        const status = await this.post(path, { result: 'SUCCEEDED' }, `verify-${docUuid}`);
        if (status === 202) this.acknowledged.result(bookUuid, docUuid, 'SUCCEEDED');
      } else if ((await this.post(`/v1/books/${bookUuid}/seal`, {}, `seal-${bookUuid}`)) === 202) {
        this.acknowledged.seal(bookUuid);
      }
    });
  }
}
