import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointId } from '../contract/ids.js';
import { reserveSendSlots } from '../db/endpoint-send-slots.js';
import type { Pool } from '../db/pool.js';

/**
 * How far ahead an attempt reserves send slots of a rate-limited endpoint unless told (DELIVERY_RATE_WAIT). It waits
 * for them inside its activity (heartbeating), which its 2-minute timeout must hold with the send and its recording;
 * deliveries whose slot would be further off give the activity back and come again later.
 */
export const SLOT_HORIZON_MS = 30_000;
/** The shortest a delivery that found no slot waits before it asks again. */
const MIN_LATER_MS = 1000;

/** When each of a batch's sends may go: the first `sendInMs.length` in order, the rest after `laterInMs`. */
export interface SendPlan {
  sendInMs: number[];
  laterInMs: number;
}

/**
 * Paces `count` sends to one endpoint under its `rate_limit` (deliveries a second, across all the tenant's books):
 * reserves slots on the endpoint's shared schedule (src/db/endpoint-send-slots.ts). No limit: all go at once.
 */
export async function planSends(
  pool: Pool,
  endpoint: { tenant_id: string; id: EndpointId; rate_limit: number | null },
  count: number,
  horizonMs = SLOT_HORIZON_MS,
): Promise<SendPlan> {
  if (endpoint.rate_limit === null || count === 0) return { sendInMs: new Array<number>(count).fill(0), laterInMs: 0 };
  const perSecond = endpoint.rate_limit;
  const slots = await reserveSendSlots(pool, endpoint.tenant_id, endpoint.id, perSecond, count, horizonMs);
  return {
    sendInMs: Array.from({ length: slots.reserved }, (_, i) => slots.firstInMs + (i * 1000) / perSecond),
    laterInMs: Math.max(MIN_LATER_MS, Math.ceil(slots.nextFreeInMs - horizonMs)),
  };
}

/** Waits for a reserved slot; the activity's cancellation ends the wait (rejecting). */
export const waitForSlot = (inMs: number, cancel?: AbortSignal): Promise<void> =>
  inMs > 0 ? sleep(inMs, undefined, cancel ? { signal: cancel } : {}) : Promise.resolve();
