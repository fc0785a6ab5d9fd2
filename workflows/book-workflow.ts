import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  analyzeBook,
  markBookContinuing,
  reconcile,
  RECORD_OPTIONS,
  recordBookChanges,
  recordBookStatus,
  recordSealRequest,
} from './book-activities.js';
import {
  bookStateQuery,
  BookStatusAttribute,
  sealSignal,
  UPLOAD_REFUSED,
  uploadDocumentUpdate,
  uploadsSignal,
  verificationSignal,
  verificationsSignal,
  type VerificationSignal,
} from './book-contract.js';
import { completionIfClean, NOTHING_UNAPPLIED, type CompletionPlan } from './book-completion.js';
import { bookOutcome, type BookInput, type BookOutcome, type BookWorkflowInput, type Effect } from './book-model.js';
import { BOOK_PATCHES, type BookPatch } from './book-patches.js';
import { publish, searchAttributesKey } from './book-publishing.js';
import { applyBookInput, initialBookState, isComplete, uploadRefusal } from './book-state.js';
import { takeBatch } from './effect-batches.js';
import { LogReadPlan, type LogRead } from './log-read-plan.js';
import { canCarry, nextRunInput } from './next-run.js';

/** Temporal refuses more than 2,000 updates and 10,000 signals in one run; continue as new well before. */
const MAX_UPDATES_PER_RUN = 1500;
const MAX_SIGNALS_PER_RUN = 5000;
const DEFAULT_HISTORY_LIMIT = 10_000;
/**
 * A book quiet this long checks its intake log; again after twice as long, up to every 6 hours, until new input. Half
 * an hour: a lost message is rare and costs only this delay, while every touched book runs one check (10,000 books
 * touched in a burst are 10,000 checks half an hour later, not while the burst is still being worked off).
 */
const DEFAULT_QUIET_CHECK_MS = 30 * 60_000;
const MAX_QUIET_CHECK_MS = 6 * 3_600_000;
/**
 * Handing over to the next run: the API leaves messages in the intake log (for at most HANDOVER_MARK_MS; the next run
 * ends it sooner) and signals already on their way get HANDOVER_SETTLE_MS to land, so none lands on the closing run.
 */
const HANDOVER_MARK_MS = 30_000;
const HANDOVER_SETTLE_MS = 1_000;

/**
 * One durable workflow per book. Uploads, verification results and seal (signals sent once the API stored them in the
 * intake log) go through the pure state machine in `book-state.ts`; this function runs its effects — recording
 * events in Postgres, analytics, checks of the intake log — keeps the search attributes current and continues as new
 * before the history grows too long. It returns the book's statuses and counts once ANALYTICS_COMPLETED is recorded.
 */
export async function bookWorkflow(input: BookWorkflowInput): Promise<BookOutcome> {
  const state = input.carried ?? initialBookState(input);
  const generation = input.generation ?? 0;
  const takes = (patch: BookPatch) => generation >= patch.generation || patched(patch.id);
  // What the search attributes hold: a new book of a generation starts with those of its initial state (before any
  // message of the first workflow task is applied); otherwise unknown.
  let published = generation >= 1 && !input.carried ? `${searchAttributesKey(state)}|` : '';
  const pending: Effect[] = [...(input.carriedEffects ?? [])];
  // Each run starts with a check: whatever the previous run missed, or the API left in the log during the hand-over,
  // is applied before the book moves on.
  if (input.carried) pending.push({ type: 'reconcile' });
  let resumed = Boolean(input.carried);
  let handingOver = false;
  let updatesThisRun = 0;
  let signalsThisRun = 0;
  let lastInputAt = Date.now();
  let quietChecks = 0;
  const logReads = new LogReadPlan();
  const readsLog = () => takes(BOOK_PATCHES.readsLog);
  const askRead = () => {
    if (readsLog()) logReads.signalled();
  };
  const decide = (message: BookInput) => pending.push(...applyBookInput(state, message, new Date().toISOString()));
  // One timer at a time, re-armed when it fires (never cancelled and restarted per message: no history churn).
  let checkDue = false;
  const firstQuietCheck = input.quietCheckMs ?? DEFAULT_QUIET_CHECK_MS;
  const quietInterval = () => Math.min(firstQuietCheck * 2 ** quietChecks, MAX_QUIET_CHECK_MS);
  const armQuietCheck = (ms: number): void => {
    void sleep(ms).then(() => {
      if (isComplete(state)) return;
      const quietLeft = lastInputAt + quietInterval() - Date.now();
      if (quietLeft > 0) return armQuietCheck(quietLeft);
      quietChecks += 1;
      checkDue = true;
      armQuietCheck(quietInterval());
    });
  };
  // Armed by the first message (a new book with none has nothing to check), or at once in a continued run.
  let armed = false;
  const arm = () => {
    if (armed || isComplete(state)) return;
    armed = true;
    armQuietCheck(firstQuietCheck);
  };
  if (input.carried) arm();
  /** A message from outside: the book is not quiet. */
  const apply = (message: BookInput) => {
    if (!logReads.holds(message)) decide(message);
    lastInputAt = Date.now();
    quietChecks = 0;
    arm();
  };
  /** Applies a recording's read of the log: as a message from outside only if it found one. */
  const took = (recorded: { read?: LogRead } | undefined) => {
    const read = logReads.took(recorded?.read, state.status);
    if (read) (read.news ? apply : decide)(read.input);
  };

  /**
   * The recording found nothing and recorded the completion decided in advance: the book applies the same inputs at
   * the same time, which decide the same effects, recorded already.
   */
  const completed = (plan: CompletionPlan, recorded: { read?: LogRead }) => {
    took(recorded);
    for (const input of plan.inputs) applyBookInput(state, input, plan.at);
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
  // Uploads decide no effect, but the counts they change are published (search attributes, current details).
  let uploadsToPublish = false;
  setHandler(uploadsSignal, ({ docUuids }) => {
    signalsThisRun += 1;
    for (const docUuid of docUuids) apply({ type: 'upload', docUuid });
    uploadsToPublish = true;
  });
  // A result or seal says how many documents the log held when it was stored: the book counts uploads it was not
  // told of (APIs since tell none) before it applies the message.
  const applyVerification = ({ documents, ...signal }: VerificationSignal) => {
    if (documents !== undefined) apply({ type: 'documents', count: documents });
    apply({ type: 'verification', ...signal });
  };
  setHandler(verificationSignal, (signal) => {
    signalsThisRun += 1;
    askRead();
    applyVerification(signal);
  });
  setHandler(verificationsSignal, (signals) => {
    signalsThisRun += 1;
    askRead();
    for (const signal of signals) applyVerification(signal);
  });
  setHandler(sealSignal, (signal) => {
    signalsThisRun += 1;
    askRead();
    if (signal?.documents !== undefined) apply({ type: 'documents', count: signal.documents });
    apply({ type: 'seal', by: 'request' });
  });

  if (!input.carried) {
    // A book of a generation started with these attributes (src/temporal/books.ts).
    if (generation < 1) upsertSearchAttributes([{ key: BookStatusAttribute, value: state.status }]);
    // Books started since the API marks the row UPLOAD itself once their start succeeded (src/api/book-access.ts).
    if (!takes(BOOK_PATCHES.startedByApi)) {
      await recordBookStatus({ tenantId: state.tenantId, bookUuid: state.bookUuid, status: state.status });
    }
  }

  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const mustContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength >= historyLimit ||
    updatesThisRun >= MAX_UPDATES_PER_RUN ||
    signalsThisRun >= MAX_SIGNALS_PER_RUN;

  for (;;) {
    const ready = () => pending.length > 0 || logReads.readDue || checkDue || uploadsToPublish || mustContinueAsNew();
    if (state.status === 'UPLOAD' && state.sealAfterMs) {
      const quietLeft = lastInputAt + state.sealAfterMs - Date.now();
      const woke = await condition(ready, Math.max(quietLeft, 1));
      if (!woke && state.status === 'UPLOAD' && Date.now() - lastInputAt >= state.sealAfterMs) {
        // Logged first, as the API logs a requested seal: an upload it acknowledges is then stored before the seal
        // (the seal's check finds it) or refused, never taken after the book's last check. Uploads wake no book, so
        // the log says when the last one came: one within seal_after leaves the book open that much longer.
        const quietMs = state.sealAfterMs;
        const logged = await recordSealRequest.executeWithOptions(
          { ...ACTIVITY_OPTIONS, summary: 'log the seal (seal_after)' },
          [{ tenantId: state.tenantId, bookUuid: state.bookUuid, quietMs }],
        );
        // Activities before this answered nothing (their histories replay to a seal).
        if (logged?.sealed === false) {
          lastInputAt = Date.now() - quietMs + logged.quietLeftMs;
          continue;
        }
        if (logged?.documents !== undefined) apply({ type: 'documents', count: logged.documents });
        apply({ type: 'seal', by: 'seal_after' });
      }
    } else {
      await condition(ready);
    }
    uploadsToPublish = false;
    if (checkDue) {
      checkDue = false;
      pending.push({ type: 'reconcile' });
    }

    // A burst can leave thousands of effects: continuing as new does not wait for all of them, only until the rest
    // is small enough to travel in the new run's input (Temporal refuses payloads over 2 MB).
    const canCarryRest = () => mustContinueAsNew() && canCarry(pending);
    while ((pending.length > 0 || logReads.readDue) && !canCarryRest()) {
      const batch = takeBatch(pending);
      const recording = logReads.startRecording(batch);
      // A book that reads the log does so in every recording, and records its unchanged status to check or read.
      const reads = recording.readDue || ((batch.status !== undefined || batch.reconcile) && readsLog());
      const status = batch.status ?? (reads ? { status: state.status, counts: { ...state.counts } } : undefined);
      if (reads) logReads.reading();
      if (status) {
        const read = { after: state.logReadThrough, sealed: state.status !== 'UPLOAD', complete: isComplete(state) };
        const label = (summary: string) => (reads ? `${summary}; read the log` : summary);
        const changes = {
          tenantId: state.tenantId,
          bookUuid: state.bookUuid,
          events: batch.events,
          ...status,
          // Only fields of the activity's input: replaying older histories is unaffected.
          ...(batch.sealed ? { sealed: batch.sealed } : {}),
          ...(reads ? { read } : {}),
        };
        // Analytics and the intake log's check ride with the recording that precedes them: one activity, not two or
        // three (books started before these patches run them as activities of their own, below).
        if (batch.runAnalytics && takes(BOOK_PATCHES.analyticsInRecording)) {
          // ANALYTICS_COMPLETED says only that the analytics ran: decided now, recorded once they have.
          decide({ type: 'analytics_done' });
          const after = takeBatch(pending);
          const summary = `${batch.summary}; analytics over the ${state.counts.verified} verified documents; ${after.summary}`;
          const analytics = { events: after.events, ...(after.status ?? status) };
          const recorded = await recordBookChanges.executeWithOptions({ ...RECORD_OPTIONS, summary: label(summary) }, [
            { ...changes, analytics },
          ]);
          took(recorded);
          continue;
        }
        if (batch.reconcile && takes(BOOK_PATCHES.checkInRecording)) {
          const check = { uploads: state.counts.verifying === 0, resumed };
          const plan = takes(BOOK_PATCHES.completesInCheck)
            ? completionIfClean(state, pending, new Date().toISOString())
            : undefined;
          const summary = `${batch.summary}; check the intake log${plan ? `; if it holds nothing more, ${plan.summary}` : ''}`;
          if (plan) logReads.hold();
          const recorded = await recordBookChanges.executeWithOptions({ ...RECORD_OPTIONS, summary: label(summary) }, [
            { ...changes, check, ...(plan ? { complete: plan.completion } : {}) },
          ]);
          resumed = false;
          const arrived = logReads.release();
          const finished = plan !== undefined && recorded.completed === true;
          if (finished) completed(plan, recorded);
          for (const message of arrived) decide(message);
          if (!finished) {
            // The read came after the check: what it found is applied before the check's answer (after the messages
            // signalled meanwhile), as a signal during the recording would have been.
            took(recorded);
            decide({ type: 'reconciled', ...(recorded.unapplied ?? NOTHING_UNAPPLIED) });
          }
          continue;
        }
        const defers = recording.mayDefer && takes(BOOK_PATCHES.defersToNews);
        const summary = defers ? `${batch.summary} (or, if the log holds news, record it with them)` : batch.summary;
        const recorded = await recordBookChanges.executeWithOptions({ ...RECORD_OPTIONS, summary: label(summary) }, [
          { ...changes, ...(defers ? { deferToNews: true } : {}) },
        ]);
        if (recorded?.deferred) {
          // Nothing was recorded: the batch goes back in front, before what the read found.
          pending.unshift(...batch.taken);
          logReads.deferred();
        }
        took(recorded);
      }
      if (batch.runAnalytics) {
        const summary = `analytics over the ${state.counts.verified} verified documents`;
        const book = { tenantId: state.tenantId, bookUuid: state.bookUuid };
        await analyzeBook.executeWithOptions({ ...ACTIVITY_OPTIONS, summary }, [book]);
        decide({ type: 'analytics_done' });
      }
      if (batch.reconcile) {
        await reconcile(state, decide, resumed);
        resumed = false;
      }
    }
    published = publish(state, published, () => takes(BOOK_PATCHES.upsertOnChange));

    // Finished only once every effect ran: effects left for a continue-as-new must run in the next run first.
    if (state.status === 'ANALYTICS_COMPLETE' && pending.length === 0) {
      await condition(allHandlersFinished);
      return bookOutcome(state);
    }
    if (mustContinueAsNew()) {
      if (!handingOver) {
        // A message arriving while the run closes makes the server refuse the close (UNHANDLED_COMMAND): first ask the
        // API to leave messages in the intake log, and take in those already on their way.
        handingOver = true;
        const handover = { tenantId: state.tenantId, bookUuid: state.bookUuid, forMs: HANDOVER_MARK_MS };
        await markBookContinuing.executeWithOptions({ ...ACTIVITY_OPTIONS, summary: 'hand over to the next run' }, [
          handover,
        ]);
        await sleep(HANDOVER_SETTLE_MS);
        continue;
      }
      // Let running handlers finish. Effects of messages that arrive meanwhile travel with the state, so a steady
      // stream of results cannot hold the book in a run that keeps growing.
      await condition(allHandlersFinished);
      await continueAsNew<typeof bookWorkflow>(nextRunInput(input, state, pending));
    }
  }
}
