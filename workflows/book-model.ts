import type { BookStatus, DocumentCounts, EventType, Metadata, VerificationResult } from '../src/contract/book.js';
import type { StatementFields } from '../src/contract/statement-fields.js';
import type { DocumentTally } from './document-tally.js';

/**
 * What the book is made of: the workflow's input, the book's state, the inputs it applies and the effects it decides.
 * Types only, and the outcome read from the state; the rules live in `book-state.ts`.
 */
/** What the API hands the workflow when a book is created. */
export interface BookWorkflowInput {
  tenantId: string;
  bookUuid: string;
  name: string;
  metadata: Metadata;
  /** ISO-8601; from the API so that the creation time is the request's, not the worker's. */
  createdAt: string;
  /** Seal by itself after this many ms without uploads or results. */
  sealAfterMs?: number;
  /** Continue as new once a run's history reaches this many events (Temporal may suggest it sooner). */
  historyLimit?: number;
  /** The first check of the intake log after this many quiet ms (default 5 minutes; tests shorten it). */
  quietCheckMs?: number;
  /** Event ids name the tenant (see `eventId`); set by the API for every book it starts since. */
  tenantScopedEventIds?: boolean;
  /** The code generation the book started on (BOOK_GENERATION, book-contract.ts); absent: before generations. */
  generation?: number;
  /** The state carried over by continue-as-new. */
  carried?: BookState;
  /** Effects decided but not yet run when the previous run continued as new. */
  carriedEffects?: Effect[];
}

/** A result that did not change the book, kept (bounded) so it is visible in the book's state. */
export interface IgnoredInput {
  at: string;
  docUuid: string;
  kind: 'verification';
  reason: string;
}

export interface BookState extends DocumentTally {
  tenantId: string;
  bookUuid: string;
  name: string;
  createdAt: string;
  status: Exclude<BookStatus, 'CREATED'>;
  sealAfterMs?: number;
  sealedAt?: string;
  /** SEAL request, seal_after timer. */
  sealedBy?: 'request' | 'seal_after';
  completedAt?: string;
  analyzedAt?: string;
  ignored: IgnoredInput[];
  ignoredCount: number;
  /** A check of the intake log is on its way and BOOK_COMPLETE waits for it (see `reconciled`). */
  checkPending?: boolean;
  /** Event ids name the tenant (books started before keep the ids they began with). */
  tenantScopedEventIds?: true;
  /** The last result id the book read from the intake log (see `logged`): the next read starts after it. */
  logReadThrough?: string;
}

/** What the workflow returns: ids, statuses and counts, never the documents (a result is stored in every history). */
export type BookOutcome = Omit<BookState, 'docs' | 'ignored' | 'checkPending' | 'unnamed' | 'logReadThrough'>;

export function bookOutcome(state: BookState): BookOutcome {
  const outcome: BookOutcome & Partial<BookState> = { ...state };
  delete outcome.docs;
  delete outcome.ignored;
  delete outcome.checkPending;
  delete outcome.unnamed;
  delete outcome.logReadThrough;
  return outcome;
}

/** An event the book emitted; recorded in Postgres (with its full body) by an activity before any delivery. */
export interface EmittedEvent {
  eventId: string;
  type: EventType;
  occurredAt: string;
  docUuid?: string;
  result?: VerificationResult;
  /** The stored result (intake log) whose reason and fields the event carries. */
  resultId?: string;
  /** Only from results sent before the intake log: since, the event reads them from the stored result. */
  reason?: string;
  fields?: StatementFields;
  /** The book's status and counts right after this event, mirrored into Postgres with it. */
  bookStatus: BookState['status'];
  counts: DocumentCounts;
}

export type Effect =
  | { type: 'record_event'; event: EmittedEvent }
  /** `at` and `by` when the book sealed (absent in effects carried over from runs before they were added). */
  | {
      type: 'record_status';
      status: BookState['status'];
      counts: DocumentCounts;
      at?: string;
      by?: 'request' | 'seal_after';
    }
  | { type: 'run_analytics' }
  /** Compare the intake log with what the book applied and recorded; the answer comes back as `reconciled`. */
  | { type: 'reconcile' };

/** A stored result of a document whose VERIFICATION_COMPLETE event is not recorded. */
export interface UnrecordedResult {
  docUuid: string;
  result: VerificationResult;
  resultId: string;
}

export type BookInput =
  | { type: 'upload'; docUuid: string }
  /** The intake log held this many documents of the book when a result or seal was stored (books.admitted_count). */
  | { type: 'documents'; count: number }
  | {
      type: 'verification';
      docUuid: string;
      result: VerificationResult;
      resultId?: string | undefined;
      reason?: string | undefined;
      fields?: StatementFields | undefined;
    }
  | { type: 'seal'; by: 'request' | 'seal_after' }
  | { type: 'analytics_done' }
  /**
   * What the intake log holds that the book's recorded events do not show (the answer to a `reconcile` effect):
   * results the book never applied or applied without recording, acknowledged uploads it does not know, a seal.
   */
  | { type: 'reconciled'; results: UnrecordedResult[]; uploads: string[]; sealRequested: boolean }
  /**
   * What the API stored without a signal while the book's recording ran, read from the log at its end (oldest
   * first); `documents` as in the `documents` input, `through` the last result id read.
   */
  | { type: 'logged'; results: UnrecordedResult[]; sealRequested: boolean; documents: number; through?: string };
