import type { BookStatus, Metadata } from '../src/contract/book.js';

/** What the API hands the workflow when a book is created. */
export interface BookWorkflowInput {
  tenantId: string;
  bookUuid: string;
  name: string;
  metadata: Metadata;
  /** ISO-8601; from the API so that the creation time is the request's, not the worker's. */
  createdAt: string;
}

export interface BookState extends BookWorkflowInput {
  status: BookStatus;
}

/** The book's state machine. Pure: no Temporal import, unit-tested without a server. */
export function initialBookState(input: BookWorkflowInput): BookState {
  return { ...input, status: 'UPLOAD' };
}
