import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { planDigest, sendingDailyEndpoints } from '../src/db/digests.js';
import type { Pool } from '../src/db/pool.js';
import type { DeliveryDeps, DeliveryStatus } from '../src/delivery/attempt-pipeline.js';
import { attemptDigest } from '../src/digests/digest-attempt.js';
import { digestId, isDigestDue, localDay } from '../src/digests/digest-time.js';
import {
  DIGEST_DELIVERY_WORKFLOW_TYPE,
  type DigestDeliveryInput,
  type DigestDeliveryWorkflow,
  type PlanDigestsInput,
} from '../workflows/digest-contract.js';
import { heartbeating } from './deliver-event.js';

/**
 * The digest run's work: for each daily endpoint (on and confirmed) whose digest hour the hour before `at` passed in
 * its zone, records its digest of the day (once: the id is the endpoint's and the local day's) and starts the
 * workflow that sends it (once: its workflow id is the digest's). A repeated run, or a retry of this one, records and
 * starts nothing more. An endpoint with no event since its last digest gets none.
 */
export function planDigests(deps: { pool: Pool; temporal: Client; taskQueue: string }) {
  return async (input: PlanDigestsInput): Promise<string[]> => {
    const at = new Date(input.at);
    const started: string[] = [];
    for (const endpoint of await sendingDailyEndpoints(deps.pool)) {
      if (!isDigestDue(at, endpoint.digest_hour, endpoint.digest_time_zone)) continue;
      const day = localDay(at, endpoint.digest_time_zone);
      const digest = await planDigest(deps.pool, endpoint, digestId(endpoint.id, day.compact), day.iso);
      if (digest?.status !== 'PENDING') continue;
      try {
        await deps.temporal.workflow.start<DigestDeliveryWorkflow>(DIGEST_DELIVERY_WORKFLOW_TYPE, {
          taskQueue: deps.taskQueue,
          workflowId: digest.id,
          args: [{ tenantId: digest.tenant_id, digestId: digest.id } satisfies DigestDeliveryInput],
          staticSummary: `Daily digest ${digest.local_day} to endpoint ${digest.endpoint_id}`,
        });
        started.push(digest.id);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    return started;
  };
}

/** One attempt at a digest (src/digests/digest-attempt.ts), retried by Temporal on the delivery retry schedule. */
export function deliverDigest(deps: DeliveryDeps) {
  return async (input: DigestDeliveryInput): Promise<DeliveryStatus> => {
    const context = Context.current();
    const decision = await heartbeating(() =>
      attemptDigest({ ...deps, cancel: context.cancellationSignal }, input, context.info.attempt),
    );
    if ('status' in decision) return decision.status;
    throw ApplicationFailure.create({
      type: 'DeliveryAttemptFailed',
      message: decision.message,
      nextRetryDelay: decision.delayMs,
    });
  };
}
