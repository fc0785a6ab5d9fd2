import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { BookbellClient } from '../../src/client/index.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { eventually, request } from './http.js';

/**
 * A small CRM for the tests: the typed client (`bookbell/client`) for the calls a CRM relies on, which throw a
 * `BookbellProblem` naming the problem when they fail, and `call` for tests that look at statuses and raw bodies.
 */
export function crm({
  apiUrl,
  apiKey,
  client,
  tenantId,
}: {
  apiUrl: string;
  apiKey: string;
  client: Client;
  tenantId: string;
}) {
  const call = (method: string, path: string, body?: unknown) =>
    request(apiUrl, method, path, body, { authorization: `Bearer ${apiKey}` });
  const api = new BookbellClient({ baseUrl: apiUrl, apiKey });
  return {
    call,
    api,
    async createBook(body: Record<string, unknown> = {}): Promise<string> {
      const book = await api.createBook({ name: 'Test book', ...body });
      return book.book_uuid;
    },
    async upload(bookUuid: string, docUuid = randomUUID(), name = `statement-${docUuid.slice(0, 8)}.pdf`) {
      await api.uploadDocument(bookUuid, { doc_uuid: docUuid, name, mime_type: 'application/pdf', size_bytes: 1024 });
      return docUuid;
    },
    async verify(
      bookUuid: string,
      docUuid: string,
      result: 'SUCCEEDED' | 'FAILED',
      extra: Record<string, unknown> = {},
    ) {
      await api.submitVerification(bookUuid, docUuid, { result, ...extra });
    },
    async seal(bookUuid: string) {
      await api.sealBook(bookUuid);
    },
    // Loosely typed for the tests' own assertions on it.
    async get(bookUuid: string): Promise<any> {
      return api.getBook(bookUuid);
    },
    /** Waits until the book's workflow has finished (every event recorded) and returns the book. */
    async finished(bookUuid: string) {
      await client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid)).result();
      const book = await this.get(bookUuid);
      expect(book.status).toBe('ANALYTICS_COMPLETE');
      return book;
    },
    /** Waits until the book reaches `status` and returns it. */
    async waitFor(bookUuid: string, status: string, timeoutMs = 30_000) {
      return eventually(async () => {
        const book = await this.get(bookUuid);
        expect(book.status).toBe(status);
        return book;
      }, timeoutMs);
    },
  };
}

/** Bank-statement fields as a verification pipeline would send them (money as decimal strings). */
export function statement(
  account: string,
  periodStart: string,
  periodEnd: string,
  balances: { start: string; end: string; deposits: string; withdrawals: string; nsf?: number },
) {
  return {
    account_id: account,
    period_start: periodStart,
    period_end: periodEnd,
    starting_balance: balances.start,
    ending_balance: balances.end,
    total_deposits: balances.deposits,
    total_withdrawals: balances.withdrawals,
    nsf_count: balances.nsf ?? 0,
  };
}

/** Runs `fn` over `items`, `concurrency` at a time. */
export async function inParallel<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}
