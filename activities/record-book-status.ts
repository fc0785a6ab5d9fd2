import type { BookStatus } from '../src/contract/book.js';
import type { Pool } from '../src/db/pool.js';
import { updateBookStatus } from '../src/db/books.js';

export interface RecordBookStatusInput {
  tenantId: string;
  bookUuid: string;
  status: BookStatus;
}

/** Mirrors the workflow's book status into Postgres for listing. Idempotent: a retry writes the same value. */
export function recordBookStatus(pool: Pool) {
  return async (input: RecordBookStatusInput): Promise<void> => {
    await updateBookStatus(pool, input.tenantId, input.bookUuid, input.status);
  };
}
