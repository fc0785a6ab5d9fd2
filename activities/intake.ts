import { storeQuietSeal, storeSealRequest, type QuietSeal } from '../src/db/intake-admission.js';
import { findUnappliedIntake as query, markContinuing, type UnappliedIntake } from '../src/db/unapplied-intake.js';
import type { Pool } from '../src/db/pool.js';

export interface FindUnappliedIntakeInput {
  tenantId: string;
  bookUuid: string;
  /** Also list acknowledged uploads with no result (only meaningful when the book expects no more results). */
  uploads: boolean;
  /**
   * The first check of a continued run: it ends the hand-over mark first (see markContinuing) and lists the uploads
   * stored since the hand-over began.
   */
  resumed?: boolean;
}

/** What the intake log holds that the book's recorded events do not show (read-only, so any retry is safe). */
export function findUnappliedIntake(pool: Pool) {
  return (input: FindUnappliedIntakeInput): Promise<UnappliedIntake> =>
    query(pool, input.tenantId, input.bookUuid, { uploads: input.uploads, resumed: input.resumed ?? false });
}

/** Marks the book as handing over to its next run (idempotent: a retry moves the end a little). */
export function markBookContinuing(pool: Pool) {
  return (input: { tenantId: string; bookUuid: string; forMs: number }): Promise<void> =>
    markContinuing(pool, input.tenantId, input.bookUuid, input.forMs);
}

/**
 * Logs a seal the book decided itself (seal_after) before the book applies it, as the API logs a requested one: an
 * upload the API acknowledges is then either before the seal in the log or refused (idempotent: the first seal counts).
 * With `quietMs` (workflows since uploads wake no book), an upload within that time leaves the book unsealed.
 */
export function recordSealRequest(pool: Pool) {
  return async (input: { tenantId: string; bookUuid: string; quietMs?: number }): Promise<QuietSeal> => {
    if (input.quietMs !== undefined) return storeQuietSeal(pool, input.tenantId, input.bookUuid, input.quietMs);
    const { documents } = await storeSealRequest(pool, input.tenantId, input.bookUuid);
    return { sealed: true, documents };
  };
}
