import type { Client } from '@temporalio/client';
import type { Pool } from '../src/db/pool.js';
import type { RetryPolicy } from '../src/delivery/retry-schedule.js';
import type { Keyring } from '../src/crypto/keyring.js';
import type { Mailer } from '../src/delivery/mailer.js';
import type { EndpointSender } from '../src/delivery/send.js';
import { analyzeBook } from './analyze-book.js';
import { deliverEvent } from './deliver-event.js';
import { deliverEvents } from './deliver-events.js';
import { deliverDigest, planDigests } from './digests.js';
import { findUnappliedIntake, markBookContinuing, recordSealRequest } from './intake.js';
import { pruneExpired } from './prune-expired.js';
import { recordBookChanges } from './record-book-changes.js';
import { recordBookStatus } from './record-book-status.js';

export interface ActivityDeps {
  pool: Pool;
  /** For fanning events out to the endpoints' delivery workflows. */
  temporal: Client;
  taskQueue: string;
  historyLimit?: number | undefined;
  delivery: {
    retryPolicy: RetryPolicy;
    timeoutMs: number;
    rateWaitMs?: number | undefined;
    /** DELIVERY_DIRECT: recordBookChanges makes the first attempts itself (src/delivery/deliver-directly.ts). */
    direct?: boolean | undefined;
    disableAfterMs: number;
    sender: EndpointSender;
    mailer?: Mailer | undefined;
    /** SECRET_KEYS: opens the endpoints' signing secrets. */
    secrets: Keyring;
    /** PUBLIC_URL, for links to the console in mails. */
    publicUrl?: string | undefined;
  };
}

/** Every activity, bound to its dependencies once by the worker (tests pass real ones). */
export function createActivities(deps: ActivityDeps) {
  return {
    recordBookStatus: recordBookStatus(deps.pool),
    recordBookChanges: recordBookChanges(deps),
    analyzeBook: analyzeBook(deps.pool),
    findUnappliedIntake: findUnappliedIntake(deps.pool),
    markBookContinuing: markBookContinuing(deps.pool),
    recordSealRequest: recordSealRequest(deps.pool),
    deliverEvent: deliverEvent({ pool: deps.pool, ...deps.delivery }),
    deliverEvents: deliverEvents({ pool: deps.pool, ...deps.delivery }),
    pruneExpired: pruneExpired(deps.pool),
    planDigests: planDigests(deps),
    deliverDigest: deliverDigest({ pool: deps.pool, ...deps.delivery }),
  };
}
