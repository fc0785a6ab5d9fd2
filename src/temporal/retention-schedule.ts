import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';
import {
  retentionScheduleId,
  RETENTION_WORKFLOW_TYPE,
  type RetentionInput,
  type RetentionWorkflow,
} from '../../workflows/retention-contract.js';

/**
 * Creates the retention schedule of the task queue, or brings an existing one to this worker's settings: every worker
 * calls it at start, so the last one started decides the interval and the ages (both shown in the Temporal UI, where
 * an operator can also pause the schedule or trigger a run).
 */
export async function ensureRetentionSchedule(
  client: Client,
  options: { taskQueue: string; intervalMs: number; input: RetentionInput },
): Promise<ScheduleHandle> {
  const scheduleId = retentionScheduleId(options.taskQueue);
  const spec: ScheduleSpec = { intervals: [{ every: options.intervalMs }] };
  const action: ScheduleOptionsStartWorkflowAction<RetentionWorkflow> = {
    type: 'startWorkflow',
    workflowType: RETENTION_WORKFLOW_TYPE,
    args: [options.input],
    taskQueue: options.taskQueue,
    workflowId: scheduleId,
  };
  // A run still deleting when the next is due: the next is skipped, never stacked. Temporal wants a catch-up window of
  // at least 10 s.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(options.intervalMs, 60_000) };
  try {
    return await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  await handle.update((previous) => ({ ...previous, spec, action, policies }));
  return handle;
}
