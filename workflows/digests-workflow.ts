import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { DeliveryStatus } from '../src/delivery/attempt-pipeline.js';
import type { DigestDeliveryInput } from './digest-contract.js';

type Activities = ReturnType<typeof createActivities>;

const { planDigests } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 20 },
});

// As a delivery's (endpoint-deliveries-workflow.ts): unlimited attempts, the activity sets each retry's delay from
// the delivery retry schedule and gives up past the delivery window; a failure on bookbell's side retries each minute.
const { deliverDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Started every hour by the digest schedule (`digests:<task queue>`, src/temporal/digest-schedule.ts): records the
 * digest of each daily endpoint whose hour the last hour passed, and starts its delivery. Returns the digests' ids.
 * The time is the workflow's, so a run decides the same way however late its activity runs.
 */
export async function digestsWorkflow(): Promise<string[]> {
  return planDigests({ at: new Date().toISOString() });
}

/** Sends one digest, retried like a delivery; its workflow id is the digest's, so it is sent by one workflow only. */
export async function digestDeliveryWorkflow(input: DigestDeliveryInput): Promise<DeliveryStatus> {
  return deliverDigest(input);
}
