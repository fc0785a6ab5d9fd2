import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { eventually, request } from './http.js';

/** A small CRM client for the tests: every call asserts the status a CRM would rely on. */
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
  return {
    call,
    async createBook(body: Record<string, unknown> = {}): Promise<string> {
      const response = await call('POST', '/v1/books', { name: 'Test book', ...body });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.book_uuid as string;
    },
    async upload(bookUuid: string, docUuid = randomUUID(), name = `statement-${docUuid.slice(0, 8)}.pdf`) {
      const response = await call('POST', `/v1/books/${bookUuid}/documents`, {
        doc_uuid: docUuid,
        name,
        mime_type: 'application/pdf',
        size_bytes: 1024,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      return docUuid;
    },
    async verify(
      bookUuid: string,
      docUuid: string,
      result: 'SUCCEEDED' | 'FAILED',
      extra: Record<string, unknown> = {},
    ) {
      const response = await call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, {
        result,
        ...extra,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(202);
    },
    async seal(bookUuid: string) {
      const response = await call('POST', `/v1/books/${bookUuid}/seal`);
      expect(response.status, JSON.stringify(response.body)).toBe(202);
    },
    async get(bookUuid: string) {
      const response = await call('GET', `/v1/books/${bookUuid}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body;
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
