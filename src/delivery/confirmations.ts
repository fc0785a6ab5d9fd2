import { claimConfirmations, removeConfirmation, type ConfirmationEntry } from '../db/confirmations.js';
import type { Pool } from '../db/pool.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Logger } from '../logger.js';
import { confirmationMail } from './confirmation-mail.js';
import type { Mailer } from './mailer.js';
import { everyInterval } from '../periodic.js';

/** How long a sweep leaves a message alone: the API's own send (or a sweep's) may take up to the mail timeout. */
export const confirmationLeaseMs = (timeoutMs: number): number => 2 * timeoutMs + 5_000;
/** A message no mail server took within a day is dropped: the tenant can ask for another. */
const MAX_AGE_MS = 86_400_000;
const SWEEP_BATCH = 20;

export interface ConfirmationDeps {
  pool: Pool;
  taskQueue: string;
  mailer: Mailer;
  timeoutMs: number;
  logger: Logger;
  /** SECRET_KEYS: opens the sealed links. */
  secrets: Keyring;
}

/**
 * Mails one confirmation message and forgets it once the server took it, or refused it for good (5xx); a temporary
 * failure leaves it to the next sweep after its lease. The Message-ID is the same on every try, so a repeat after a
 * lost answer is one a mail filter can drop.
 */
export async function sendConfirmation(deps: ConfirmationDeps, entry: ConfirmationEntry): Promise<boolean> {
  const mail = confirmationMail(entry.email, entry.link);
  const result = await deps.mailer.send(entry.email, { ...mail, eventId: `confirm_${entry.id}` }, deps.timeoutMs);
  if (result.outcome.kind === 'retry') {
    deps.logger.warn({ endpointId: entry.endpoint_id, error: result.error }, 'confirmation mail left to the sweep');
    return false;
  }
  if (result.outcome.kind === 'rejected') {
    deps.logger.warn({ endpointId: entry.endpoint_id, error: result.error }, 'confirmation mail refused for good');
  }
  await removeConfirmation(deps.pool, entry.id);
  return true;
}

/** Sends, in the background, a message just recorded: the sweep sends it if this fails or the process stops. */
export function sendSoon(deps: ConfirmationDeps, entry: ConfirmationEntry): void {
  sendConfirmation(deps, entry).catch((err: unknown) =>
    deps.logger.warn({ err, endpointId: entry.endpoint_id }, 'confirmation mail left to the sweep'),
  );
}

/** One sweep: sends every message of the task queue whose time has come; returns how many went. */
export async function sweepConfirmations(deps: ConfirmationDeps): Promise<number> {
  let sent = 0;
  for (;;) {
    const { entries, unreadable } = await claimConfirmations(
      deps.pool,
      deps.taskQueue,
      SWEEP_BATCH,
      confirmationLeaseMs(deps.timeoutMs),
      MAX_AGE_MS,
      deps.secrets,
    );
    for (const id of unreadable) {
      deps.logger.warn({ id }, 'confirmation message sealed under a key SECRET_KEYS no longer holds: dropped');
      await removeConfirmation(deps.pool, id);
    }
    for (const entry of entries) if (await sendConfirmation(deps, entry)) sent += 1;
    if (entries.length + unreadable.length < SWEEP_BATCH) return sent;
  }
}

/** Sweeps every `intervalMs` until stopped; a failed sweep is logged and tried again next time. */
export function startConfirmationSweeper(deps: ConfirmationDeps, intervalMs: number): { stop: () => Promise<void> } {
  return everyInterval(() => sweepConfirmations(deps), intervalMs, deps.logger, 'confirmation sweep');
}
