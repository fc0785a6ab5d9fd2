/** The retention workflow's contract, shared by the schedule, the workflow, the activity and the tests. */
export const RETENTION_WORKFLOW_TYPE = 'retentionWorkflow';

/** How long each kind of row is kept, in milliseconds (RETAIN_* and IDEMPOTENCY_KEY_TTL in src/config.ts). */
export interface RetentionAges {
  deliveryAttemptsMs: number;
  idempotencyKeysMs: number;
  changeLogMs: number;
  operationalEventsMs: number;
  finishedBooksMs: number;
}

export interface RetentionInput {
  ages: RetentionAges;
  /** Rows per statement (5,000 unless a test asks for fewer). */
  batchSize?: number | undefined;
}

/** Rows deleted, per kind; books: finished books whose detail was removed. */
export interface PruneCounts {
  deliveryAttempts: number;
  idempotencyKeys: number;
  changeLog: number;
  operationalEvents: number;
  books: number;
  bookRows: number;
}

/** One activity call's work; `more`: it stopped at its time budget with rows still to delete. */
export interface PruneResult {
  counts: PruneCounts;
  more: boolean;
}

export const NO_PRUNED: PruneCounts = {
  deliveryAttempts: 0,
  idempotencyKeys: 0,
  changeLog: 0,
  operationalEvents: 0,
  books: 0,
  bookRows: 0,
};

/** One schedule per task queue: the workflow it starts runs on that queue's workers, against their database. */
export const retentionScheduleId = (taskQueue: string): string => `retention:${taskQueue}`;

export type RetentionWorkflow = (input: RetentionInput) => Promise<PruneCounts>;
