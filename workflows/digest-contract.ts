import type { DeliveryStatus } from '../src/delivery/attempt-pipeline.js';

/** The daily digests' workflows, shared by the schedule, the workflows, the activities and the tests. */
export const DIGESTS_WORKFLOW_TYPE = 'digestsWorkflow';
export const DIGEST_DELIVERY_WORKFLOW_TYPE = 'digestDeliveryWorkflow';

/** One schedule per task queue, every hour: its runs look which daily endpoints' hour has come. */
export const digestScheduleId = (taskQueue: string): string => `digests:${taskQueue}`;

export interface PlanDigestsInput {
  /** The run's time (workflow time, ISO-8601): whose digest hour it passed is decided against it. */
  at: string;
}

/** A digest to send, and the workflow (its id the digest's) that sends it. */
export interface DigestDeliveryInput {
  tenantId: string;
  digestId: string;
}

export type DigestsWorkflow = () => Promise<string[]>;
export type DigestDeliveryWorkflow = (input: DigestDeliveryInput) => Promise<DeliveryStatus>;
