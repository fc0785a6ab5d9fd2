import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  bookStateQuery,
  BookStatusAttribute,
  DocumentCountAttribute,
  FailedDocumentCountAttribute,
  sealSignal,
  UPLOAD_REFUSED,
  uploadDocumentUpdate,
  verificationSignal,
  verificationsSignal,
} from './book-contract.js';
import { takeBatch } from './effect-batches.js';
import {
  applyBookInput,
  initialBookState,
  uploadRefusal,
  type BookInput,
  type BookState,
  type BookWorkflowInput,
  type Effect,
} from './book-state.js';

type Activities = ReturnType<typeof createActivities>;

// Database activities retry until they succeed: a book must never lose an event because Postgres was down. They take
// milliseconds; a short timeout retries one lost with a killed worker within seconds.
const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};
const { recordBookStatus, recordBookChanges, analyzeBook } = proxyActivities<Activities>(ACTIVITY_OPTIONS);
// Recording and analytics run as local activities in books that reach them since (patch 'local-book-effects'): inside
// the workflow task that decided them, without an activity task's round trips through the server (README, "Tuning").
// Same timeout and retries; still idempotent.
const LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: ACTIVITY_OPTIONS.startToCloseTimeout,
  retry: ACTIVITY_OPTIONS.retry,
};
const local = proxyLocalActivities<Activities>(LOCAL_OPTIONS);

/** Temporal refuses more than 2,000 updates and 10,000 signals in one run; continue as new well before. */
const MAX_UPDATES_PER_RUN = 1500;
const MAX_SIGNALS_PER_RUN = 5000;
const DEFAULT_HISTORY_LIMIT = 10_000;
/** About 400 bytes each: with a 10,000-document state (~0.7 MB) the input stays well under 2 MB. */
const MAX_CARRIED_EFFECTS = 500;

/**
 * One durable workflow per book. Uploads (an update: the API must hear "sealed" at once), verification results and
 * seal (signals) go through the pure state machine in `book-state.ts`; this function runs its effects — recording
 * events in Postgres, analytics — keeps the search attributes current and continues as new before the history grows
 * too long. It returns the final state once ANALYTICS_COMPLETED is recorded.
 */
export async function bookWorkflow(input: BookWorkflowInput): Promise<BookState> {
  const state = input.carried ?? initialBookState(input);
  const pending: Effect[] = [...(input.carriedEffects ?? [])];
  let updatesThisRun = 0;
  let signalsThisRun = 0;
  let lastInputAt = Date.now();
  const apply = (message: BookInput) => {
    pending.push(...applyBookInput(state, message, new Date().toISOString()));
    lastInputAt = Date.now();
  };

  setHandler(bookStateQuery, () => state);
  setHandler(
    uploadDocumentUpdate,
    ({ docUuid }) => {
      updatesThisRun += 1;
      apply({ type: 'upload', docUuid });
      return { docUuid, status: state.docs[docUuid] ?? 'VERIFYING' };
    },
    {
      validator: ({ docUuid }: { docUuid: string }) => {
        const refusal = uploadRefusal(state, docUuid);
        if (refusal) throw ApplicationFailure.create({ type: UPLOAD_REFUSED, message: refusal, nonRetryable: true });
      },
    },
  );
  setHandler(verificationSignal, (signal) => {
    signalsThisRun += 1;
    apply({ type: 'verification', ...signal });
  });
  setHandler(verificationsSignal, (signals) => {
    signalsThisRun += 1;
    for (const signal of signals) apply({ type: 'verification', ...signal });
  });
  setHandler(sealSignal, () => {
    signalsThisRun += 1;
    apply({ type: 'seal', by: 'request' });
  });

  if (!input.carried) {
    // The first version's start sequence, unchanged so that books it started still replay.
    upsertSearchAttributes([{ key: BookStatusAttribute, value: state.status }]);
    await recordBookStatus({ tenantId: state.tenantId, bookUuid: state.bookUuid, status: state.status });
  }

  // Books started before this change keep running their effects to the end before continuing as new.
  const effectsTravel = patched('continue-as-new-before-effects');
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const mustContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength >= historyLimit ||
    updatesThisRun >= MAX_UPDATES_PER_RUN ||
    signalsThisRun >= MAX_SIGNALS_PER_RUN;
  let published = '';

  for (;;) {
    const ready = () => pending.length > 0 || mustContinueAsNew();
    if (state.status === 'UPLOAD' && state.sealAfterMs) {
      const quietLeft = lastInputAt + state.sealAfterMs - Date.now();
      const woke = await condition(ready, Math.max(quietLeft, 1));
      if (!woke && state.status === 'UPLOAD' && Date.now() - lastInputAt >= state.sealAfterMs) {
        apply({ type: 'seal', by: 'seal_after' });
      }
    } else {
      await condition(ready);
    }

    // A burst can leave thousands of effects: continuing as new does not wait for all of them, only until the rest
    // is small enough to travel in the new run's input (Temporal refuses payloads over 2 MB).
    const canCarryRest = () => effectsTravel && mustContinueAsNew() && pending.length <= MAX_CARRIED_EFFECTS;
    while (pending.length > 0 && !canCarryRest()) {
      const batch = takeBatch(pending);
      if (batch.status) {
        const changes = { tenantId: state.tenantId, bookUuid: state.bookUuid, events: batch.events, ...batch.status };
        if (patched('local-book-effects')) {
          await local.recordBookChanges.executeWithOptions({ ...LOCAL_OPTIONS, summary: batch.summary }, [changes]);
        } else {
          await recordBookChanges.executeWithOptions({ ...ACTIVITY_OPTIONS, summary: batch.summary }, [changes]);
        }
      }
      if (batch.runAnalytics) {
        const summary = `analytics over the ${state.counts.verified} verified documents`;
        const book = { tenantId: state.tenantId, bookUuid: state.bookUuid };
        if (patched('local-book-effects')) {
          await local.analyzeBook.executeWithOptions({ ...LOCAL_OPTIONS, summary }, [book]);
        } else {
          await analyzeBook.executeWithOptions({ ...ACTIVITY_OPTIONS, summary }, [book]);
        }
        apply({ type: 'analytics_done' });
      }
    }
    published = publish(state, published);

    // Finished only once every effect ran: effects left for a continue-as-new must run in the next run first.
    if (state.status === 'ANALYTICS_COMPLETE' && pending.length === 0) {
      await condition(allHandlersFinished);
      return state;
    }
    if (mustContinueAsNew()) {
      // Let running handlers finish. Effects of messages that arrive meanwhile travel with the state, so a steady
      // stream of results cannot hold the book in a run that keeps growing.
      await condition(allHandlersFinished);
      await continueAsNew<typeof bookWorkflow>({ ...input, carried: state, carriedEffects: pending });
    }
  }
}

/** Keeps the search attributes and the UI's current details in step with the book; returns what it published. */
function publish(state: BookState, previous: string): string {
  const { status, counts } = state;
  const snapshot = `${status}|${counts.total}|${counts.rejected}|${counts.verified}`;
  if (snapshot === previous) return previous;
  upsertSearchAttributes([
    { key: BookStatusAttribute, value: status },
    { key: DocumentCountAttribute, value: counts.total },
    { key: FailedDocumentCountAttribute, value: counts.rejected },
  ]);
  setCurrentDetails(
    `**${status}** — ${counts.total} documents: ${counts.verified} verified, ${counts.rejected} rejected, ` +
      `${counts.verifying} verifying` +
      (state.ignoredCount > 0 ? ` (${state.ignoredCount} repeated or conflicting results ignored)` : ''),
  );
  return snapshot;
}
