// Keeps the promises to read the log that no signal kept (src/db/log-reads.ts): the API promises a book will read its
// log, then signals it; an API stopped in between leaves results acknowledged under a promise nobody will keep.
import type { Client } from '@temporalio/client';
import { claimLapsedReads, withdrawRead } from '../db/log-reads.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { everyInterval } from '../periodic.js';
import { nudgeBook } from './books.js';

/** A promise lapses this long before a sweep takes it up: a read under way (its row locked) is skipped anyway. */
const GRACE_MS = 1_000;
const SWEEP_BATCH = 100;
/** How long one nudge may wait on Temporal. */
const NUDGE_DEADLINE_MS = 5_000;

export interface NudgeDeps {
  pool: Pool;
  temporal: Client;
  /** Only promises made by this deployment (its API and workers): another's books use other keys and namespaces. */
  taskQueue: string;
  logger: Logger;
}

/** One sweep: wakes every book whose promise to read lapsed with messages unread; returns how many it woke. */
export async function sweepLapsedReads(deps: NudgeDeps): Promise<number> {
  let woken = 0;
  for (;;) {
    const lapsed = await claimLapsedReads(deps.pool, deps.taskQueue, GRACE_MS, SWEEP_BATCH);
    for (const book of lapsed) {
      if (!book.unread) continue;
      try {
        const running = await deps.temporal.withDeadline(Date.now() + NUDGE_DEADLINE_MS, () =>
          nudgeBook(deps.temporal, book.tenant_id, book.book_uuid),
        );
        // A finished book takes nothing more: what was stored for it stays in the log, as for any completed book.
        if (running) woken += 1;
        else await withdrawRead(deps.pool, book.tenant_id, book.book_uuid);
      } catch (err) {
        // Its new promise lapses too, and a later sweep tries again.
        deps.logger.warn({ err, bookUuid: book.book_uuid }, 'could not wake a book with messages in its log');
      }
    }
    if (lapsed.length < SWEEP_BATCH) return woken;
  }
}

/** Sweeps every `intervalMs` until stopped; a failed sweep is logged and tried again next time. */
export function startLapsedReadSweeper(deps: NudgeDeps, intervalMs: number): { stop: () => Promise<void> } {
  return everyInterval(() => sweepLapsedReads(deps), intervalMs, deps.logger, 'sweep of lapsed log reads');
}
