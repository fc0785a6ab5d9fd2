import type { Client } from '@temporalio/client';
import { addToOutbox, claimOutbox, removeFromOutbox, type OutboxEntry } from '../db/delivery-outbox.js';
import type { ReopenedDelivery } from '../db/reopened-deliveries.js';
import { withClient, type Pool, type PoolClient } from '../db/pool.js';
import { endpointLabel } from '../delivery/email-content.js';
import type { Logger } from '../logger.js';
import { enqueueDeliveries } from './deliveries.js';
import { everyInterval } from '../periodic.js';

/** How long the caller has to hand reopened deliveries over itself before a sweep may do it. */
const OWN_HAND_OVER_MS = 10_000;
/** How long one hand-over may wait on Temporal: an API request must not hang on a cluster that is away. */
const HAND_OVER_DEADLINE_MS = 5_000;
/** A sweep's claim on an entry: taken again after this when its hand-over failed. */
const SWEEP_LEASE_MS = 30_000;
const SWEEP_BATCH = 100;

export interface HandOverDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}

/** Signals one entry's deliveries into their delivery workflow (started if none runs), then forgets the entry. */
async function handOver(deps: HandOverDeps, entry: OutboxEntry): Promise<void> {
  await deps.temporal.withDeadline(Date.now() + HAND_OVER_DEADLINE_MS, () =>
    enqueueDeliveries(
      deps.temporal,
      deps.taskQueue,
      {
        tenantId: entry.tenant_id,
        endpointId: entry.endpoint_id,
        label: endpointLabel(entry),
        bookUuid: entry.book_uuid,
      },
      entry.events,
      true,
    ),
  );
  await removeFromOutbox(deps.pool, entry.id);
}

/**
 * Reopens deliveries (`reopen`, in a transaction that also records them in the outbox), then hands them to their
 * delivery workflows. Nothing is left PENDING without a workflow to move it: if Temporal refuses or is away, the
 * outbox keeps the hand-over and the worker's sweep does it once Temporal is back (`sweepOutbox`).
 */
export async function reopenAndHandOver<T extends { reopened: ReopenedDelivery[] }>(
  deps: HandOverDeps,
  target: { tenantId: string; endpointId: string },
  reopen: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const [result, entries] = await withClient(deps.pool, async (client) => {
    await client.query('begin');
    try {
      const reopened = await reopen(client);
      const added = await addToOutbox(
        client,
        deps.taskQueue,
        target.tenantId,
        target.endpointId,
        reopened.reopened,
        OWN_HAND_OVER_MS,
      );
      await client.query('commit');
      return [reopened, added] as const;
    } catch (err) {
      await client.query('rollback');
      throw err;
    }
  });
  for (const entry of entries) {
    try {
      await handOver(deps, entry);
    } catch (err) {
      deps.logger.warn({ err, endpointId: target.endpointId }, 'redelivery left to the outbox sweep');
      break; // in order: the rest wait for the sweep too
    }
  }
  return result;
}

/** One sweep: hands over every outbox entry whose time has come; returns how many it handed over. */
export async function sweepOutbox(deps: HandOverDeps): Promise<number> {
  let handed = 0;
  for (;;) {
    const entries = await claimOutbox(deps.pool, deps.taskQueue, SWEEP_BATCH, SWEEP_LEASE_MS);
    for (const entry of entries) {
      await handOver(deps, entry);
      handed += 1;
    }
    if (entries.length < SWEEP_BATCH) return handed;
  }
}

/** Sweeps the outbox every `intervalMs` until stopped; a failed sweep is logged and tried again next time. */
export function startOutboxSweeper(deps: HandOverDeps, intervalMs: number): { stop: () => Promise<void> } {
  return everyInterval(() => sweepOutbox(deps), intervalMs, deps.logger, 'outbox sweep');
}
