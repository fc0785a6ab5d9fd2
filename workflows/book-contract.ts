import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { BookState } from './book-state.js';

/**
 * The book workflow's contract: ids, messages and search attributes, imported alike by the API, the worker,
 * the workflow and the tests.
 */
export const BOOK_WORKFLOW_TYPE = 'bookWorkflow';

/** One workflow per (tenant, book): starting it twice finds the same execution. */
export function bookWorkflowId(tenantId: string, bookUuid: string): string {
  return `book:${tenantId}:${bookUuid}`;
}

export const BookUuidAttribute = defineSearchAttributeKey('BookUuid', SearchAttributeType.KEYWORD);
export const TenantIdAttribute = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const BookStatusAttribute = defineSearchAttributeKey('BookStatus', SearchAttributeType.KEYWORD);
/** Registered on the dev server at start (`--search-attribute`) and checked on external clusters. */
export const SEARCH_ATTRIBUTES = [BookUuidAttribute, TenantIdAttribute, BookStatusAttribute];

/** The book as the workflow sees it now. */
export const bookStateQuery = defineQuery<BookState>('bookState');
