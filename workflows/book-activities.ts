// The activities the book workflow runs (activities/), with the options it runs them under.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { BookInput, BookState } from './book-model.js';

type Activities = ReturnType<typeof createActivities>;

// Database activities retry until they succeed: a book must never lose an event because Postgres was down. They take
// milliseconds; a short timeout retries one lost with a killed worker within seconds. Ordinary activities, not local
// ones: a workflow task stays a few milliseconds of pure decisions, so messages arriving meanwhile never pile up in
// the server's buffer of an open task (past 100 it force-fails the task: see test/repro/README.md).
export const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};
/**
 * Recording also makes the events' first delivery attempts (activities/fan-out.ts): it heartbeats meanwhile, so a
 * lost worker's batch is retried within seconds, and has room for attempts up to DELIVERY_TIMEOUT (90 s at most).
 * Timeouts are no part of replay's checks (only an activity's type and id are), so older histories replay unchanged.
 */
export const RECORD_OPTIONS: ActivityOptions = {
  ...ACTIVITY_OPTIONS,
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '10 seconds',
};
export const { recordBookStatus, analyzeBook, findUnappliedIntake, markBookContinuing, recordSealRequest } =
  proxyActivities<Activities>(ACTIVITY_OPTIONS);
export const { recordBookChanges } = proxyActivities<Activities>(RECORD_OPTIONS);

/**
 * Asks PostgreSQL what the intake log holds that the book's recorded events do not show, and applies it. Runs after
 * every effect before it is recorded; an event still waiting behind it is emitted again (recording dedupes by id) and
 * asks for another check, so BOOK_COMPLETE waits for a check that finds nothing, whatever was lost on the way.
 */
export async function reconcile(
  state: BookState,
  decide: (message: BookInput) => void,
  resumed: boolean,
): Promise<void> {
  const found = await findUnappliedIntake.executeWithOptions(
    { ...ACTIVITY_OPTIONS, summary: 'check the intake log against the recorded events' },
    [{ tenantId: state.tenantId, bookUuid: state.bookUuid, uploads: state.counts.verifying === 0, resumed }],
  );
  decide({ type: 'reconciled', ...found });
}
