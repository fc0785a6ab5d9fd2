import { Counter, Histogram } from 'prom-client';
import { registry } from './registry.js';

export type DeliveryChannel = 'url' | 'email';

const attempts = new Counter({
  name: 'bookbell_delivery_attempts_total',
  help: 'Delivery attempts by channel and outcome (delivered, retry, rejected, gone, forbidden)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

const attemptDuration = new Histogram({
  name: 'bookbell_delivery_attempt_duration_seconds',
  help: 'Time a receiver or SMTP server took to answer one delivery attempt',
  labelNames: ['channel'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
  registers: [registry],
});

const finished = new Counter({
  name: 'bookbell_deliveries_total',
  help: 'Finished deliveries (an event to one endpoint) by outcome: delivered or failed',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

// Seconds to days: deliveries retry for up to DELIVERY_WINDOW (3 days).
const latency = new Histogram({
  name: 'bookbell_delivery_latency_seconds',
  help: "Time from an event's occurrence to its successful delivery (a redelivery: from the redelivery's start)",
  labelNames: ['channel'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400],
  registers: [registry],
});

/** Counts a delivery that ended without an attempt (its endpoint is disabled). */
export function countFinishedDelivery(status: 'DELIVERED' | 'FAILED'): void {
  finished.inc({ outcome: status === 'DELIVERED' ? 'delivered' : 'failed' });
}

/** Counts one logged attempt and, when it finished the delivery, the delivery and its latency. */
export function observeDeliveryAttempt(attempt: {
  channel: DeliveryChannel;
  outcome: string;
  durationMs: number;
  finish?: 'DELIVERED' | 'FAILED' | undefined;
  delivery: { round_base: number; round_started_at: Date; payload: { occurred_at: string } };
}): void {
  const { channel, delivery } = attempt;
  attempts.inc({ channel, outcome: attempt.outcome });
  attemptDuration.observe({ channel }, attempt.durationMs / 1000);
  if (!attempt.finish) return;
  countFinishedDelivery(attempt.finish);
  if (attempt.finish !== 'DELIVERED') return;
  const since =
    delivery.round_base > 0 ? delivery.round_started_at.getTime() : Date.parse(delivery.payload.occurred_at);
  if (Number.isFinite(since)) latency.observe({ channel }, Math.max(0, Date.now() - since) / 1000);
}
