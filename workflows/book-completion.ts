import type { BookStatus, DocumentCounts } from '../src/contract/book.js';
import type { BookInput, BookState, Effect, EmittedEvent } from './book-model.js';
import { applyBookInput } from './book-state.js';
import { takeBatch } from './effect-batches.js';

/** A recorded status: the events that led to it, and the book's status and counts after them. */
export interface RecordedStep {
  events: EmittedEvent[];
  status: Exclude<BookStatus, 'CREATED'>;
  counts: DocumentCounts;
}

/** What the recording that checks the log records if the check and its read find nothing (recordBookChanges). */
export interface BookCompletion extends RecordedStep {
  /** ANALYTICS_COMPLETED, recorded once the analytics ran. */
  analytics: RecordedStep;
}

/** The book's completion, decided in advance for a check that finds nothing. */
export interface CompletionPlan {
  /** The workflow's time of the decision: the inputs are applied at it once the recording says it completed. */
  at: string;
  /** What the book applies then: a check that found nothing, and the analytics done. */
  inputs: BookInput[];
  completion: BookCompletion;
  summary: string;
}

/** A check of the intake log that found nothing the book has not applied. */
export const NOTHING_UNAPPLIED = { results: [], uploads: [], sealRequested: false };

/**
 * The completion a check of the intake log leads to if it finds nothing, decided on a copy of the state: a sealed book
 * whose documents are all decided, with nothing else to record before the check, completes with it, so the recording
 * that checks can record BOOK_COMPLETE, the analytics and ANALYTICS_COMPLETED at once instead of a recording more.
 * Undefined when the book would not complete. Applying `inputs` at `at` to the state gives the same effects.
 */
export function completionIfClean(
  state: BookState,
  pending: readonly Effect[],
  at: string,
): CompletionPlan | undefined {
  if (pending.length > 0 || state.status !== 'SEALED' || state.counts.verifying > 0 || !state.checkPending) return;
  const draft = JSON.parse(JSON.stringify(state)) as BookState;
  const inputs: BookInput[] = [{ type: 'reconciled', ...NOTHING_UNAPPLIED }, { type: 'analytics_done' }];
  const [completed, analyzed] = inputs.map((input) => takeBatch(applyBookInput(draft, input, at)));
  if (!completed?.status || !completed.runAnalytics || !analyzed?.status) return;
  return {
    at,
    inputs,
    completion: {
      events: completed.events,
      ...completed.status,
      analytics: { events: analyzed.events, ...analyzed.status },
    },
    summary: `${completed.summary}; analytics over the ${draft.counts.verified} verified documents; ${analyzed.summary}`,
  };
}
