import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { digestScheduleId, DIGESTS_WORKFLOW_TYPE, type DigestsWorkflow } from '../../workflows/digest-contract.js';

/**
 * Creates the task queue's digest schedule: every hour on the hour (UTC), a run that sends the digests whose hour has
 * come in their endpoints' zones (zones half an hour off UTC get theirs half past). One schedule for all endpoints,
 * not one each: an endpoint's hour and zone live in PostgreSQL, where a PATCH changes them with nothing to keep in
 * step. A run missed while Temporal was away is caught up within the hour; later, that day's digests wait for the
 * next day's, which covers their events too.
 */
export async function ensureDigestSchedule(client: Client, taskQueue: string): Promise<void> {
  const scheduleId = digestScheduleId(taskQueue);
  const spec: ScheduleSpec = { intervals: [{ every: '1 hour' }] };
  const action: ScheduleOptionsStartWorkflowAction<DigestsWorkflow> = {
    type: 'startWorkflow',
    workflowType: DIGESTS_WORKFLOW_TYPE,
    args: [],
    taskQueue,
    workflowId: scheduleId,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
}
