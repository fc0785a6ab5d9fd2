import { Context } from '@temporalio/activity';
import type { BookStatus, DocumentCounts, EventType } from '../src/contract/book.js';
import { asEventId, type EventId } from '../src/contract/ids.js';
import { findBookAnalytics } from '../src/db/analytics.js';
import { isBookComplete, updateBookProgress } from '../src/db/books.js';
import { forgetUnheldDocuments, listDocuments, recordVerifications } from '../src/db/documents.js';
import { insertEvents } from '../src/db/events.js';
import { findResultDetails } from '../src/db/intake-results.js';
import { findUnappliedIntake, type UnappliedIntake } from '../src/db/unapplied-intake.js';
import { holdsNews, readLog, type LogRead, type LogReadRequest } from '../src/db/log-reads.js';
import { inTransaction } from '../src/db/pool.js';
import { buildEventPayload, type EventPayload, type PayloadContext } from '../src/events/payloads.js';
import { countEmittedEvents } from '../src/metrics/event-metrics.js';
import type { BookCompletion, RecordedStep } from '../workflows/book-completion.js';
import type { EmittedEvent } from '../workflows/book-model.js';
import { analyzeBook } from './analyze-book.js';
import { heartbeating } from './deliver-event.js';
import { fanOut, type FanOutDeps, type FannedOut } from './fan-out.js';

export interface RecordBookChangesInput {
  tenantId: string;
  bookUuid: string;
  /** In the order the book emitted them. */
  events: EmittedEvent[];
  status: Exclude<BookStatus, 'CREATED'>;
  counts: DocumentCounts;
  /** When and how the book sealed, in the batch that sealed it (absent from inputs scheduled before it existed). */
  sealed?: { at: string; by: 'request' | 'seal_after' };
  /**
   * The batch ends with BOOK_COMPLETE: run the analytics once it is recorded, then record this (ANALYTICS_COMPLETED,
   * which the book decides before they run: it says only that they ran). Absent from older inputs.
   */
  analytics?: RecordedStep;
  /** Check the intake log once the batch is recorded (what findUnappliedIntake does alone); absent from older inputs. */
  check?: { uploads: boolean; resumed: boolean };
  /**
   * Read the log last (src/db/log-reads.ts): the API stores results and seals without a signal from the recording's
   * start until then. Absent from older inputs.
   */
  read?: LogReadRequest;
  /**
   * The book's completion, decided for a check that finds nothing (workflows/book-completion.ts): recorded, analysed
   * and delivered after the check and the read, if neither found anything. Absent from older inputs.
   */
  complete?: BookCompletion;
  /**
   * Look at the log first: if it holds news, record nothing, read it and answer `deferred` (the book records this
   * batch with what it read, in its next recording). Absent from older inputs.
   */
  deferToNews?: true;
}

/**
 * What recording found: the intake log's answer, when the input asked for a check (older results carry none); and
 * where each endpoint's deliveries went, which operators read in the Temporal UI as the activity's result.
 */
export interface RecordBookChangesResult {
  unapplied?: UnappliedIntake;
  deliveries?: FannedOut[];
  /** What the API stored without a signal while the recording ran, when the input asked for the read. */
  read?: LogRead;
  /** The input's `complete` was recorded: the check and the read found nothing. */
  completed?: true;
  /** Nothing was recorded: the log held news, read into `read` (see the input's `deferToNews`). */
  deferred?: true;
}

/**
 * Records what the book decided, in one transaction: each document's first verification result, each event with the
 * full body subscribers will receive, and the book's status and counts; then delivers the events to their
 * subscribers (fan-out.ts: the first attempts at once where it may, the rest through the delivery workflows).
 * Idempotent: a retry rewrites the same values and inserts no event or delivery twice.
 */
export function recordBookChanges(deps: FanOutDeps) {
  const { pool } = deps;
  return async (input: RecordBookChangesInput): Promise<RecordBookChangesResult> => {
    const context = activityContext();
    const firstTry = (context?.info.attempt ?? 1) === 1;
    // The bodies this run stored, as stored: its first attempts send them without reading them back.
    const payloads = new Map<EventId, EventPayload>();
    const deliver = (events: EmittedEvent[]) =>
      fanOut(
        deps,
        input.tenantId,
        input.bookUuid,
        events.map((event) => ({ eventId: asEventId(event.eventId), type: event.type })),
        { firstTry, cancel: context?.cancellationSignal, payloads },
      );
    const book = { tenantId: input.tenantId, bookUuid: input.bookUuid };
    /** Runs the analytics of a recorded BOOK_COMPLETE, then records ANALYTICS_COMPLETED. */
    const analyze = async (analytics: RecordedStep) => {
      await analyzeBook(pool)(book);
      await recordChanges(pool, { ...book, ...analytics }, payloads);
    };
    const { complete } = input;
    /** The completion after the rest, once its check and read found nothing: recorded, analysed, delivered. */
    const completeBook = async (completion: BookCompletion): Promise<FannedOut[]> => {
      const { analytics, ...completed } = completion;
      await recordChanges(pool, { ...book, ...completed }, payloads);
      await analyze(analytics);
      return deliver([...completed.events, ...analytics.events]);
    };
    const record = async (): Promise<RecordBookChangesResult> => {
      // A retry of a recording that completed the book already (its worker was lost after): everything before the
      // completion was recorded, and messages since may be news the check would now find, after BOOK_COMPLETE. The
      // completion is finished as decided (idempotent) and every event handed to delivery again.
      if (complete && !firstTry && (await isBookComplete(pool, input.tenantId, input.bookUuid))) {
        const deliveries = [...(await deliver(input.events)), ...(await completeBook(complete))];
        return { completed: true, ...(deliveries.length > 0 ? { deliveries } : {}) };
      }
      if (input.deferToNews && input.read && (await holdsNews(pool, input.tenantId, input.bookUuid, input.read))) {
        const read = await readLog(pool, input.tenantId, input.bookUuid, input.read);
        if (!read.cleared) return { read, deferred: true };
      }
      await recordChanges(pool, input, payloads, input.read ? deps.taskQueue : undefined);
      let all = input.events;
      if (input.analytics) {
        await analyze(input.analytics);
        all = [...all, ...input.analytics.events];
      }
      const unapplied = input.check
        ? await findUnappliedIntake(pool, input.tenantId, input.bookUuid, input.check)
        : undefined;
      // Only recorded events are delivered; a retry after a failed fan-out fans out again (idempotent), handing what
      // is not finished to the delivery workflows: the first try's attempts may still be running on a lost worker.
      const deliveries = await deliver(all);
      // Last, so that it takes in everything stored while the attempts ran.
      const read = input.read ? await readLog(pool, input.tenantId, input.bookUuid, input.read) : undefined;
      const completes = complete && foundNothing(unapplied, read, complete.counts.total);
      if (completes) deliveries.push(...(await completeBook(complete)));
      return {
        ...(unapplied ? { unapplied } : {}),
        ...(deliveries.length > 0 ? { deliveries } : {}),
        ...(read ? { read } : {}),
        ...(completes ? { completed: true as const } : {}),
      };
    };
    // Heartbeats from the start: the transaction, the analytics of a large book and the attempts may each take
    // seconds on a busy machine, and without a heartbeat the activity would time out and start over each time.
    return context ? heartbeating(record) : record();
  };
}

/**
 * One transaction: each document's first verification result, each event with the full body subscribers will
 * receive, and the book's status and counts; counted once committed (a retry inserts, so counts, nothing twice).
 */
async function recordChanges(
  pool: FanOutDeps['pool'],
  input: Pick<RecordBookChangesInput, 'tenantId' | 'bookUuid' | 'events' | 'status' | 'counts' | 'sealed'>,
  stored: Map<EventId, EventPayload>,
  readsLogQueue?: string,
): Promise<void> {
  // A retry inserts nothing twice, so counts nothing twice.
  const inserted = await inTransaction(pool, async (client) => {
    const occurred = (type: EventType) => input.events.find((event) => event.type === type)?.occurredAt;
    const { name: bookName } = await updateBookProgress(
      client,
      input.tenantId,
      input.bookUuid,
      input.status,
      input.counts,
      {
        sealed: input.sealed,
        completedAt: occurred('BOOK_COMPLETE'),
        analyzedAt: occurred('ANALYTICS_COMPLETED'),
      },
      readsLogQueue,
    );
    const resultIds = input.events.flatMap((event) => (event.resultId ? [event.resultId] : []));
    const details = await findResultDetails(client, input.tenantId, resultIds);
    // The reason and fields the API stored with each result (results sent before the intake log carry them).
    const events = input.events.map((stated) => {
      const stored = stated.resultId ? details.get(stated.resultId) : undefined;
      if (stated.resultId && !stored) throw new Error(`stored result ${stated.resultId} is missing`);
      return stored ? { ...stated, reason: stored.reason, fields: stored.fields } : stated;
    });
    // One statement for the batch's results, then what the book's events read (a batch holds the book's events
    // after its results: BOOK_COMPLETE lists the documents those results finished).
    const verified = events.filter((event) => event.type === 'VERIFICATION_COMPLETE');
    const names = await recordVerifications(
      client,
      input.tenantId,
      input.bookUuid,
      verified.map((event) => ({
        docUuid: event.docUuid as string,
        status: event.result === 'SUCCEEDED' ? 'VERIFICATION_COMPLETE' : 'REJECTED',
        result: event.result as 'SUCCEEDED' | 'FAILED',
        reason: event.reason,
        fields: event.fields,
        verifiedAt: event.occurredAt,
      })),
    );
    const context: PayloadContext = { bookName };
    if (occurred('BOOK_COMPLETE')) {
      await forgetUnheldDocuments(client, input.tenantId, input.bookUuid);
      const docs = await listDocuments(client, input.tenantId, input.bookUuid);
      context.uploadedDocs = docs.map((doc) => ({ uuid: doc.doc_uuid, status: doc.status }));
    }
    if (occurred('ANALYTICS_COMPLETED')) {
      context.analytics = await findBookAnalytics(client, input.tenantId, input.bookUuid);
      if (!context.analytics) throw new Error(`analytics of book ${input.bookUuid} are missing`);
    }
    const payloads = events.map((event) =>
      buildEventPayload(input.bookUuid, event, {
        ...context,
        ...(event.docUuid ? { docName: names.get(event.docUuid.toLowerCase()) ?? null } : {}),
      }),
    );
    return insertEvents(client, input.tenantId, input.bookUuid, payloads);
  });
  for (const [eventId, payload] of inserted) stored.set(eventId, payload);
  countEmittedEvents([...inserted.values()].map((payload) => payload.event_name));
}

/**
 * The check found no result, upload or seal the book has not applied, and the read nothing stored since (nor more
 * documents than the book counts): a completion decided for a check that finds nothing stands.
 */
function foundNothing(unapplied: UnappliedIntake | undefined, read: LogRead | undefined, documents: number): boolean {
  if (!unapplied || !read) return false;
  return (
    unapplied.results.length === 0 &&
    unapplied.uploads.length === 0 &&
    read.results.length === 0 &&
    read.cleared &&
    read.documents <= documents
  );
}

/** The activity's context; none when a test calls the function directly (a first try, nothing to heartbeat). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
