import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { NO_PRUNED, type PruneCounts, type RetentionInput } from './retention-contract.js';

type Activities = ReturnType<typeof createActivities>;

const { pruneExpired } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // A worker that dies mid-delete is noticed within a minute; the retry carries on where the deletes stopped.
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/** Each call stops after a few minutes; a backlog (the first run on an old database) takes a few calls. */
const MAX_CALLS = 50;

/**
 * Started by the retention schedule (`retention:<task queue>`, see src/temporal/retention-schedule.ts): deletes what
 * has aged out and returns how many rows of each kind, which the Temporal UI shows as the run's result.
 */
export async function retentionWorkflow(input: RetentionInput): Promise<PruneCounts> {
  const total: PruneCounts = { ...NO_PRUNED };
  for (let call = 0; call < MAX_CALLS; call++) {
    const { counts, more } = await pruneExpired(input);
    for (const kind of Object.keys(total) as Array<keyof PruneCounts>) total[kind] += counts[kind];
    if (!more) break;
  }
  return total;
}
