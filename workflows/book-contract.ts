import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DocumentStatus, VerificationResult } from '../src/contract/book.js';
import type { StatementFields } from '../src/contract/statement-fields.js';
import type { BookState } from './book-model.js';

/**
 * The book workflow's contract: ids, messages and search attributes, imported alike by the API, the worker,
 * the workflow and the tests.
 */
export const BOOK_WORKFLOW_TYPE = 'bookWorkflow';

/**
 * The generation of the book workflow the API starts books on. A book of generation 1 takes every patch of
 * book-workflow.ts up to then without asking `patched()` (each ask writes a marker into each run's history: three per
 * book) and starts with the search attributes of an empty open book, so its first workflow task upserts nothing.
 * Books started before ask, as they always did. A later patch asks `patched()` until it joins the next generation:
 * generation 2 also takes `reads-log` (every recording reads the intake log at its end), generation 3
 * `completes-in-check` (the recording that checks the log before BOOK_COMPLETE records the completion if it is clean),
 * generation 4 `defers-to-news` (the first recording after a signal leaves its batch to the next if the log holds news).
 */
export const BOOK_GENERATION = 4;

/** One workflow per (tenant, book): starting it twice finds the same execution. */
export function bookWorkflowId(tenantId: string, bookUuid: string): string {
  return `book:${tenantId}:${bookUuid}`;
}

export const BookUuidAttribute = defineSearchAttributeKey('BookUuid', SearchAttributeType.KEYWORD);
export const TenantIdAttribute = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const BookStatusAttribute = defineSearchAttributeKey('BookStatus', SearchAttributeType.KEYWORD);
export const DocumentCountAttribute = defineSearchAttributeKey('DocumentCount', SearchAttributeType.INT);
export const FailedDocumentCountAttribute = defineSearchAttributeKey('FailedDocumentCount', SearchAttributeType.INT);
/** Delivery workflows: which endpoint, which event types they carry, and how their deliveries stand. */
export const EndpointIdAttribute = defineSearchAttributeKey('EndpointId', SearchAttributeType.KEYWORD);
export const EventTypeAttribute = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD_LIST);
export const DeliveryStatusAttribute = defineSearchAttributeKey('DeliveryStatus', SearchAttributeType.KEYWORD);
/** The search attributes that follow the book's status and counts: given at start, upserted as they change. */
export function bookStateAttributes({ status, counts }: Pick<BookState, 'status' | 'counts'>): SearchAttributePair[] {
  return [
    { key: BookStatusAttribute, value: status },
    { key: DocumentCountAttribute, value: counts.total },
    { key: FailedDocumentCountAttribute, value: counts.rejected },
  ];
}
/** Registered on the dev server at start (`--search-attribute`) and by the API on other clusters. */
export const SEARCH_ATTRIBUTES = [
  BookUuidAttribute,
  TenantIdAttribute,
  BookStatusAttribute,
  DocumentCountAttribute,
  FailedDocumentCountAttribute,
  EndpointIdAttribute,
  EventTypeAttribute,
  DeliveryStatusAttribute,
];

/** The failure type of an upload refused by the workflow (sealed book): the API answers 409. */
export const UPLOAD_REFUSED = 'UploadRefused';

/**
 * Registers a document; answered only once the workflow accepted it (or refused it: sealed book). The API before the
 * intake log held uploads sent this; the handler stays for books started then (and for their histories' replay).
 */
export const uploadDocumentUpdate = defineUpdate<{ docUuid: string; status: DocumentStatus }, [{ docUuid: string }]>(
  'uploadDocument',
);

export interface VerificationSignal {
  docUuid: string;
  result: VerificationResult;
  /**
   * The result as the API stored it before acknowledging it (intake log): the event reads its reason and fields from
   * there, so signals, histories and continue-as-new inputs carry ids and statuses only.
   */
  resultId?: string;
  /** Sent only by the API before the intake log (and by tests driving the workflow without a database). */
  reason?: string;
  /** Normalised (money in integer cents). */
  fields?: StatementFields;
  /**
   * How many documents the intake log held for the book once this result was stored: the book counts the uploads it
   * was not told of one by one (see `uploadsSignal`). Absent from APIs before.
   */
  documents?: number;
}
/** A document's verification finished; only the first result per document counts. */
export const verificationSignal = defineSignal<[VerificationSignal]>('verificationFinished');
/**
 * Several results in one signal, in the order they arrived: the API sends the results that reach it while a signal to
 * the same book is in flight together (see src/temporal/group-commit.ts). Workers must know it before an API sends it.
 */
export const verificationsSignal = defineSignal<[VerificationSignal[]]>('verificationsFinished');

/**
 * Documents the API stored in the intake log before acknowledging them, in the order they arrived. APIs since no longer
 * send it: an upload wakes no book, which learns how many documents it holds with its next result or seal (their
 * `documents`) and their ids with their results. Kept for books that received it (and their histories' replay). The
 * API stored them only while the book had no seal in the log, so the book takes them even if it has sealed since: only
 * a completed book ignores them.
 */
export const uploadsSignal = defineSignal<[{ docUuids: string[] }]>('documentsUploaded');

export interface SealSignal {
  /** How many documents the intake log held for the book once the seal was stored: its last uploads among them. */
  documents?: number;
}
/** No more uploads. APIs before sent it without a payload. */
export const sealSignal = defineSignal<[SealSignal?]>('seal');

/** The book as the workflow sees it now. */
export const bookStateQuery = defineQuery<BookState>('bookState');
