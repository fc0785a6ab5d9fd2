import type { Pool } from '../src/db/pool.js';
import { analyzeBook } from './analyze-book.js';
import { recordBookChanges } from './record-book-changes.js';
import { recordBookStatus } from './record-book-status.js';

export interface ActivityDeps {
  pool: Pool;
}

/** Every activity, bound to its dependencies once by the worker (tests pass real ones). */
export function createActivities(deps: ActivityDeps) {
  return {
    recordBookStatus: recordBookStatus(deps.pool),
    recordBookChanges: recordBookChanges(deps.pool),
    analyzeBook: analyzeBook(deps.pool),
  };
}
