import { findUnappliedIntake as query, type UnappliedIntake } from '../src/db/intake.js';
import type { Pool } from '../src/db/pool.js';

export interface FindUnappliedIntakeInput {
  tenantId: string;
  bookUuid: string;
  /** Also list acknowledged uploads with no result (only meaningful when the book expects no more results). */
  uploads: boolean;
}

/** What the intake log holds that the book's recorded events do not show (read-only, so any retry is safe). */
export function findUnappliedIntake(pool: Pool) {
  return (input: FindUnappliedIntakeInput): Promise<UnappliedIntake> =>
    query(pool, input.tenantId, input.bookUuid, { uploads: input.uploads });
}
