import { Context } from '@temporalio/activity';
import type { BookStatus, DocumentCounts, EventType } from '../src/contract/book.js';
import { asEventId } from '../src/contract/ids.js';
import { findBookAnalytics } from '../src/db/analytics.js';
import { updateBookProgress } from '../src/db/books.js';
import { forgetUnheldDocuments, listDocuments, recordVerification } from '../src/db/documents.js';
import { insertEvent } from '../src/db/events.js';
import { findResultDetails } from '../src/db/intake.js';
import { withClient } from '../src/db/pool.js';
import { buildEventPayload, type PayloadContext } from '../src/events/payloads.js';
import { countEmittedEvents } from '../src/metrics/event-metrics.js';
import type { EmittedEvent } from '../workflows/book-state.js';
import { heartbeating } from './deliver-event.js';
import { fanOut, type FanOutDeps } from './fan-out.js';

export interface RecordBookChangesInput {
  tenantId: string;
  bookUuid: string;
  /** In the order the book emitted them. */
  events: EmittedEvent[];
  status: Exclude<BookStatus, 'CREATED'>;
  counts: DocumentCounts;
  /** When and how the book sealed, in the batch that sealed it (absent from inputs scheduled before it existed). */
  sealed?: { at: string; by: 'request' | 'seal_after' };
}

/**
 * Records what the book decided, in one transaction: each document's first verification result, each event with the
 * full body subscribers will receive, and the book's status and counts; then delivers the events to their
 * subscribers (fan-out.ts: the first attempts at once where it may, the rest through the delivery workflows).
 * Idempotent: a retry rewrites the same values and inserts no event or delivery twice.
 */
export function recordBookChanges(deps: FanOutDeps) {
  const { pool } = deps;
  return async (input: RecordBookChangesInput): Promise<void> => {
    await withClient(pool, async (client) => {
      const inserted: EventType[] = []; // a retry inserts nothing twice, so counts nothing twice
      await client.query('begin');
      try {
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
        );
        const resultIds = input.events.flatMap((event) => (event.resultId ? [event.resultId] : []));
        const details = await findResultDetails(client, input.tenantId, resultIds);
        for (const stated of input.events) {
          const context: PayloadContext = { bookName };
          // The reason and fields the API stored with the result (results sent before the intake log carry them).
          const stored = stated.resultId ? details.get(stated.resultId) : undefined;
          if (stated.resultId && !stored) throw new Error(`stored result ${stated.resultId} is missing`);
          const event = stored ? { ...stated, reason: stored.reason, fields: stored.fields } : stated;
          if (event.type === 'VERIFICATION_COMPLETE') {
            const doc = await recordVerification(client, {
              tenantId: input.tenantId,
              bookUuid: input.bookUuid,
              docUuid: event.docUuid as string,
              status: event.result === 'SUCCEEDED' ? 'VERIFICATION_COMPLETE' : 'REJECTED',
              result: event.result as 'SUCCEEDED' | 'FAILED',
              reason: event.reason,
              fields: event.fields,
              verifiedAt: event.occurredAt,
            });
            context.docName = doc.name;
          } else if (event.type === 'BOOK_COMPLETE') {
            await forgetUnheldDocuments(client, input.tenantId, input.bookUuid);
            const docs = await listDocuments(client, input.tenantId, input.bookUuid);
            context.uploadedDocs = docs.map((doc) => ({ uuid: doc.doc_uuid, status: doc.status }));
          } else {
            context.analytics = await findBookAnalytics(client, input.tenantId, input.bookUuid);
            if (!context.analytics) throw new Error(`analytics of book ${input.bookUuid} are missing`);
          }
          const payload = buildEventPayload(input.bookUuid, event, context);
          if (await insertEvent(client, input.tenantId, input.bookUuid, payload)) inserted.push(event.type);
        }
        await client.query('commit');
        countEmittedEvents(inserted);
      } catch (err) {
        await client.query('rollback');
        throw err;
      }
    });
    // Only recorded events are delivered; a retry after a failed fan-out fans out again (idempotent), handing what
    // is not finished to the delivery workflows: the first try's attempts may still be running on a lost worker.
    const events = input.events.map((event) => ({ eventId: asEventId(event.eventId), type: event.type }));
    const context = activityContext();
    const firstTry = (context?.info.attempt ?? 1) === 1;
    const deliver = () =>
      fanOut(deps, input.tenantId, input.bookUuid, events, { firstTry, cancel: context?.cancellationSignal });
    await (context ? heartbeating(deliver) : deliver());
  };
}

/** The activity's context; none when a test calls the function directly (a first try, nothing to heartbeat). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
