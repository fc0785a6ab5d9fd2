import { Context } from '@temporalio/activity';
import type { Pool } from '../src/db/pool.js';
import {
  booksBeingPruned,
  finishPruningBooks,
  markExpiredBooks,
  pruneBookDetail,
  pruneChangeLog,
  pruneDeliveryAttempts,
  pruneIdempotencyKeys,
  pruneOperationalEvents,
} from '../src/db/retention.js';
import { NO_PRUNED, type PruneCounts, type PruneResult, type RetentionInput } from '../workflows/retention-contract.js';

const DEFAULT_BATCH = 5000;
/** Finished books expired and emptied together. */
const BOOKS_AT_ONCE = 100;
/** One call stops after this long and says there is more; the workflow calls again (a retry never redoes much). */
const TIME_BUDGET_MS = 4 * 60_000;

/** Heartbeats outside Temporal (tests and the soak call the activity directly) are no-ops. */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity
  }
}

/**
 * Deletes what has aged out, kind by kind, in statements of at most `batchSize` rows, heartbeating after each. What a
 * live book or a pending delivery still needs is never touched (see src/db/retention.ts). Idempotent: a retry after a
 * crash carries on where the deletes stopped.
 */
export function pruneExpired(pool: Pool, clock: () => number = Date.now) {
  return async (input: RetentionInput): Promise<PruneResult> => {
    const { ages } = input;
    const batch = input.batchSize ?? DEFAULT_BATCH;
    const deadline = clock() + TIME_BUDGET_MS;
    const counts: PruneCounts = { ...NO_PRUNED };
    /** Runs a bounded delete until it deletes less than a batch (or 0 for `untilNone`); false: out of time. */
    const drain = async (kind: keyof PruneCounts, step: () => Promise<number>, untilNone = false) => {
      for (;;) {
        const deleted = await step();
        counts[kind] += deleted;
        heartbeat({ kind, counts });
        if (deleted === 0 || (!untilNone && deleted < batch)) return true;
        if (clock() > deadline) return false;
      }
    };
    const kinds: Array<[keyof PruneCounts, () => Promise<number>]> = [
      ['deliveryAttempts', () => pruneDeliveryAttempts(pool, ages.deliveryAttemptsMs, batch)],
      ['idempotencyKeys', () => pruneIdempotencyKeys(pool, ages.idempotencyKeysMs, batch)],
      ['changeLog', () => pruneChangeLog(pool, ages.changeLogMs, batch)],
      ['operationalEvents', () => pruneOperationalEvents(pool, ages.operationalEventsMs, batch)],
    ];
    for (const [kind, step] of kinds) {
      if (!(await drain(kind, step))) return { counts, more: true };
    }
    for (;;) {
      // Books a stopped run marked come first; then the next batch of newly expired ones.
      let books = await booksBeingPruned(pool, BOOKS_AT_ONCE);
      if (books.length === 0) {
        counts.books += await markExpiredBooks(pool, ages.finishedBooksMs, BOOKS_AT_ONCE);
        books = await booksBeingPruned(pool, BOOKS_AT_ONCE);
      }
      if (books.length === 0) return { counts, more: false };
      if (!(await drain('bookRows', () => pruneBookDetail(pool, books, batch), true))) return { counts, more: true };
      await finishPruningBooks(pool, books);
      if (clock() > deadline) return { counts, more: true };
    }
  };
}
