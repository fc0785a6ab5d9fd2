import type { EndpointId, EventId } from '../contract/ids.js';
import {
  findDeliveries,
  finishDelivery,
  holdDelivery,
  recordAttempt,
  recordAttempts,
  recordRateWaits,
  type DeliveryRow,
  type LoggedAttempt,
} from '../db/delivery-records.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Pool } from '../db/pool.js';
import { sendsTo } from '../db/endpoints.js';
import { recordEndpointHealth } from '../db/endpoint-health.js';
import { findEndpointWithSecrets } from '../db/endpoint-secrets.js';
import type { EventPayload } from '../events/payloads.js';
import type { AttemptResult } from './send.js';
import { countFinishedDelivery, observeDeliveryAttempt } from '../metrics/delivery-metrics.js';
import { attemptHealth, healthUnchanged, judgeAttempt, loggedAttempt } from './attempt-verdict.js';
import { disableEndpoint } from './disable-endpoint.js';
import { planSends, waitForSlot } from './endpoint-pacing.js';
import { nextDelayMs, type RetryPolicy } from './retry-schedule.js';
import { bookSummaryMail } from '../digests/book-summary.js';
import { BOOK_MAIL_EVENT } from '../digests/mail-mode.js';
import { eventMessage, sendToEndpoint, type Endpoint, type Message, type SendDeps } from './send-to-endpoint.js';

/**
 * One attempt at a delivery, in stages: (1) load the delivery and its endpoint with its secrets (secrets never enter
 * Temporal); (2) wait for the endpoint's rate limit, if it has one (endpoint-pacing.ts), then sign and send
 * (send-to-endpoint.ts); (3) record the endpoint's health (its failure streak, its slowness); (4)
 * decide (attempt-verdict.ts, pure): finished, retried after a delay, or the endpoint disabled; (5) record the
 * attempt and the delivery's new state in one statement; (6) disable the endpoint and hold the delivery when decided.
 * The activities (activities/deliver-event(s).ts) only adapt it to Temporal; the test event runs stages 1 and 2.
 */

export interface DeliveryDeps extends SendDeps {
  pool: Pool;
  /** Opens the endpoints' signing secrets (SECRET_KEYS). */
  secrets: Keyring;
  retryPolicy: RetryPolicy;
  /** An endpoint failing without a break this long is disabled. */
  disableAfterMs: number;
  /** How long an attempt waits in its activity for its turn under the endpoint's rate limit (DELIVERY_RATE_WAIT). */
  rateWaitMs?: number | undefined;
  /** PUBLIC_URL: mails link to the console under it; unset, they carry no link. */
  publicUrl?: string | undefined;
}

/** One event's delivery to one endpoint. */
export interface DeliveryKey {
  tenantId: string;
  eventId: EventId;
  endpointId: EndpointId;
}

/** How an attempt left a delivery: finished, or HELD while its endpoint is off (released by a resume or recovery). */
export type DeliveryStatus = 'DELIVERED' | 'FAILED' | 'HELD';

/**
 * What one attempt decided: the delivery finished, or it is tried again after `delayMs` — after a failed attempt, or
 * (`waited`) without having sent, its turn under the endpoint's rate limit being further off.
 */
export type AttemptDecision = { status: DeliveryStatus } | { delayMs: number; message: string; waited?: true };

/** A delivery as an attempt reads it: its row and the body to send. */
export type LoadedDelivery = DeliveryRow & { payload: EventPayload };

/** One attempt to log, finishing its delivery when told (what `recordAttempts` takes). */
export type AttemptLog = Parameters<typeof recordAttempts>[3][number];

/** How stage 3 writes: one statement each, or (a batch) one for all its attempts (`writeTogether`). */
export interface AttemptWrites {
  /** The endpoint's failure streak after this attempt (see recordEndpointHealth). */
  health: (result: AttemptResult) => Promise<Date | null>;
  /** Logs the attempt, finishing the delivery when told. */
  log: (eventId: EventId, attempt: LoggedAttempt, finish?: 'DELIVERED' | 'FAILED') => Promise<void>;
  /**
   * Logs an attempt cut short, at once and alone: the attempt then fails its activity, and a batch's other attempts
   * may never log theirs (a batch's `log` waits for all of them).
   */
  logCutShort: (eventId: EventId, attempt: LoggedAttempt) => Promise<void>;
}

/** Stage 1: the deliveries (missing: deleted with their endpoint) and the endpoint with its secrets. */
export async function loadAttempts(
  deps: Pick<DeliveryDeps, 'pool' | 'secrets'>,
  tenantId: string,
  endpointId: EndpointId,
  eventIds: EventId[],
) {
  const [rows, endpoint] = await Promise.all([
    findDeliveries(deps.pool, tenantId, endpointId, eventIds),
    findEndpointWithSecrets(deps.pool, deps.secrets, tenantId, endpointId),
  ]);
  return { deliveries: new Map(rows.map((row) => [row.event_id, row])), endpoint };
}

/** Stage 1 alone, for the test event: the endpoint with its secrets, if it exists. */
export const loadEndpoint = (
  pool: Pool,
  secrets: Keyring,
  tenantId: string,
  endpointId: EndpointId,
): Promise<Endpoint | undefined> => findEndpointWithSecrets(pool, secrets, tenantId, endpointId);

/**
 * What a delivery sends: its event, or for an address mailing one summary per book (mail_mode book), the book's
 * summary — read at each attempt, the event's id still naming the mail (the same Message-ID on every attempt).
 */
async function deliveryMessage(deps: DeliveryDeps, endpoint: Endpoint, delivery: LoadedDelivery): Promise<Message> {
  const links = { publicUrl: deps.publicUrl };
  const message = eventMessage(delivery.payload, links);
  if (!endpoint.email || endpoint.mail_mode !== 'book' || delivery.event_type !== BOOK_MAIL_EVENT) return message;
  const summary = await bookSummaryMail(deps.pool, endpoint.tenant_id, delivery.payload, links);
  return { ...message, email: () => summary };
}

/** Whether `attemptDelivery` will send: the delivery is pending and its endpoint sends (active, and confirmed). */
const willSend = (delivery: LoadedDelivery | undefined, endpoint: Endpoint | undefined) =>
  delivery?.status === 'PENDING' && endpoint !== undefined && sendsTo(endpoint);

/**
 * Holds a delivery of an endpoint that is off (or an address not yet confirmed); one turned on (or confirmed)
 * meanwhile is tried again at once instead.
 */
async function hold(deps: DeliveryDeps, key: DeliveryKey): Promise<AttemptDecision> {
  if (await holdDelivery(deps.pool, key)) return { status: 'HELD' };
  return { delayMs: 0, message: 'the endpoint was turned on again: sending now' };
}

/** The decision for deliveries whose turn under the endpoint's rate limit is too far off: counted as waits, not attempts. */
async function waitLonger(deps: DeliveryDeps, key: Omit<DeliveryKey, 'eventId'>, eventIds: EventId[], inMs: number) {
  await recordRateWaits(deps.pool, key.tenantId, key.endpointId, eventIds);
  const message = `waiting for the endpoint's rate limit: next turn in ${Math.round(inMs / 1000)} s`;
  return { delayMs: inMs, message, waited: true } as const;
}

/**
 * Activity attempt `roundAttempt` (1-based, within the delivery's round) at one loaded delivery: sends it, `sendInMs`
 * from now (its slot under the endpoint's rate limit), unless it is finished, held, or its endpoint is gone, paused,
 * disabled or unconfirmed (then it is held), and runs stages 2 to 4. Activity attempts that only waited for the rate
 * limit (`rate_waits`) are not delivery attempts: they count neither in its number nor on the retry schedule.
 */
async function attemptDelivery(
  deps: DeliveryDeps,
  key: DeliveryKey,
  delivery: LoadedDelivery | undefined,
  endpoint: Endpoint | undefined,
  roundAttempt: number,
  sendInMs: number,
  writes: AttemptWrites,
): Promise<AttemptDecision> {
  if (!delivery) return { status: 'FAILED' }; // its endpoint was deleted
  if (delivery.status !== 'PENDING') return { status: delivery.status };
  if (!endpoint) {
    await finishDelivery(deps.pool, key, 'FAILED', 'endpoint deleted');
    countFinishedDelivery('FAILED');
    return { status: 'FAILED' };
  }
  if (!sendsTo(endpoint)) return hold(deps, key);

  // (2) wait for the slot, sign and send, (3) health, (4) decide.
  const attempt = roundAttempt - delivery.rate_waits;
  await waitForSlot(sendInMs, deps.cancel).catch(async (err: unknown) => {
    // Cancelled while waiting: nothing was sent, so the wait is counted, not an attempt.
    await recordRateWaits(deps.pool, key.tenantId, key.endpointId, [key.eventId]);
    throw err;
  });
  const result = await sendToEndpoint(deps, endpoint, await deliveryMessage(deps, endpoint, delivery));
  if (deps.cancel?.aborted && result.outcome.kind !== 'delivered') {
    // Cut short by the activity's cancellation (its worker stopping): logged, but not the receiver's doing, so not
    // counted against its health. Temporal runs the attempt again, with the same webhook-id.
    const error = `cut short: the worker stopped (${result.error ?? 'no answer yet'})`;
    await writes.logCutShort(key.eventId, { ...loggedAttempt(delivery.round_base + attempt, result), error });
    deps.cancel.throwIfAborted();
  }
  const failingSince = await writes.health(result);
  const now = Date.now();
  const verdict = judgeAttempt({
    result,
    failingSince,
    disableAfterMs: deps.disableAfterMs,
    now,
    nextDelayMs: (retryAfterMs) =>
      nextDelayMs(deps.retryPolicy, attempt, now - delivery.round_started_at.getTime(), retryAfterMs),
  });
  // (5) record. Numbering continues across redeliveries; the retry schedule restarts with each round.
  const logged = loggedAttempt(delivery.round_base + attempt, result);
  const finish = verdict.kind === 'finished' ? verdict.status : undefined;
  await writes.log(key.eventId, logged, finish);
  const channel = endpoint.email ? 'email' : 'url';
  observeDeliveryAttempt({ channel, outcome: result.outcome.kind, durationMs: result.durationMs, finish, delivery });
  // (6) act on the decision.
  switch (verdict.kind) {
    case 'finished':
      return { status: verdict.status };
    case 'disable':
      // Disabling holds this delivery with every other one of the endpoint: re-enabling it sends them.
      await disableEndpoint(deps, key.tenantId, key.endpointId, verdict.reason);
      return hold(deps, key);
    case 'retry':
      return {
        delayMs: verdict.delayMs,
        message: `attempt ${logged.number}: ${logged.error ?? 'failed'}; next in ${Math.round(verdict.delayMs / 1000)} s`,
      };
  }
}

/** Stage 3: the endpoint's failure streak after these attempts; written only when they change its health. */
async function recordHealth(
  pool: Pool,
  tenantId: string,
  endpoint: Endpoint | undefined,
  results: AttemptResult[],
): Promise<Date | null> {
  const health = attemptHealth(results);
  // Unchanged: it was not failing, and is not.
  if (!endpoint || healthUnchanged(endpoint, health)) return null;
  return recordEndpointHealth(pool, tenantId, endpoint.id, health);
}

/** One attempt at one delivery (`deliverEvent`), each write its own statement. */
export async function attemptOne(deps: DeliveryDeps, key: DeliveryKey, roundAttempt: number): Promise<AttemptDecision> {
  const { deliveries, endpoint } = await loadAttempts(deps, key.tenantId, key.endpointId, [key.eventId]);
  const delivery = deliveries.get(key.eventId);
  const writes: AttemptWrites = {
    health: (result) => recordHealth(deps.pool, key.tenantId, endpoint, [result]),
    log: (eventId, attempt, finish) => recordAttempt(deps.pool, { ...key, eventId }, attempt, finish),
    logCutShort: (eventId, attempt) => recordAttempt(deps.pool, { ...key, eventId }, attempt),
  };
  let sendInMs = 0;
  if (endpoint && willSend(delivery, endpoint)) {
    const plan = await planSends(deps.pool, endpoint, 1, deps.rateWaitMs);
    if (plan.sendInMs.length === 0) return waitLonger(deps, key, [key.eventId], plan.laterInMs);
    sendInMs = plan.sendInMs[0] as number;
  }
  return attemptDelivery(deps, key, delivery, endpoint, roundAttempt, sendInMs, writes);
}

/**
 * One attempt at each of several deliveries to one endpoint, all at once (`deliverEvents`): the same stages as
 * `attemptOne`, with one statement for the endpoint's health (the streak ends if any got through) and one for all
 * the attempts.
 */
export async function attemptBatch(
  deps: DeliveryDeps,
  tenantId: string,
  endpointId: EndpointId,
  eventIds: EventId[],
  roundAttempt: number,
): Promise<Map<EventId, AttemptDecision>> {
  const loaded = await loadAttempts(deps, tenantId, endpointId, eventIds);
  return attemptLoaded(deps, { tenantId, endpointId }, eventIds, roundAttempt, loaded, (attempts) =>
    recordAttempts(deps.pool, tenantId, endpointId, attempts),
  );
}

/**
 * `attemptBatch` on deliveries and an endpoint already loaded, logging the attempts with one call of `log` (a
 * recording's first attempts create their deliveries with it: src/delivery/deliver-directly.ts).
 */
export async function attemptLoaded(
  deps: DeliveryDeps,
  target: { tenantId: string; endpointId: EndpointId },
  eventIds: EventId[],
  roundAttempt: number,
  loaded: { deliveries: Map<EventId, LoadedDelivery>; endpoint: Endpoint | undefined },
  log: (attempts: AttemptLog[]) => Promise<void>,
): Promise<Map<EventId, AttemptDecision>> {
  const { tenantId, endpointId } = target;
  const { deliveries, endpoint } = loaded;
  const sendable = eventIds.filter((eventId) => willSend(deliveries.get(eventId), endpoint));
  // Those past the slots the endpoint's rate limit gives now wait longer; the others go in order, each in its slot.
  const plan = endpoint
    ? await planSends(deps.pool, endpoint, sendable.length, deps.rateWaitMs)
    : { sendInMs: [], laterInMs: 0 };
  const slotOf = new Map(sendable.map((eventId, i) => [eventId, plan.sendInMs[i]]));
  const later = sendable.filter((eventId) => slotOf.get(eventId) === undefined);
  const waiting = waitLonger(deps, { tenantId, endpointId }, later, plan.laterInMs);
  const sending = sendable.length - later.length;
  const health = gather(sending, (results: AttemptResult[]) => recordHealth(deps.pool, tenantId, endpoint, results));
  const logged = gather(sending, log);
  // Settled, not raced: an attempt that fails (or is cut short) withdraws from the batch's writes, so the others still
  // record theirs before the failure fails the activity (a delivery that got through is not sent again).
  const settled = await Promise.allSettled(
    eventIds.map(async (eventId) => {
      if (later.includes(eventId)) return waiting;
      const added = { health: false, log: false };
      const writes: AttemptWrites = {
        health: (result) => {
          added.health = true;
          return health.add(result);
        },
        log: (eventId, attempt, finish) => {
          added.log = true;
          return logged.add({ eventId, attempt, ...(finish ? { finish } : {}) });
        },
        logCutShort: (eventId, attempt) => log([{ eventId, attempt }]),
      };
      const key = { tenantId, eventId, endpointId };
      const delivery = deliveries.get(eventId);
      try {
        return await attemptDelivery(deps, key, delivery, endpoint, roundAttempt, slotOf.get(eventId) ?? 0, writes);
      } catch (err) {
        if (!added.health) health.withdraw();
        if (!added.log) logged.withdraw();
        throw err;
      }
    }),
  );
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return new Map(
    eventIds.map((eventId, i) => [eventId, (settled[i] as PromiseFulfilledResult<AttemptDecision>).value]),
  );
}

/**
 * Collects one item from each of `expected` callers, then runs `flush` once with all of them; all get its result. A
 * caller that will not add its item withdraws (its attempt failed first); if all do, nothing is flushed.
 */
function gather<T, R>(expected: number, flush: (items: T[]) => Promise<R>) {
  const items: T[] = [];
  let waitingFor = expected;
  let release: () => void = () => {};
  const done = new Promise<void>((resolve) => (release = resolve)).then(() =>
    items.length > 0 ? flush(items) : undefined,
  );
  const settle = () => {
    waitingFor -= 1;
    if (waitingFor === 0) release();
  };
  return {
    add: (item: T): Promise<R> => {
      items.push(item);
      settle();
      return done as Promise<R>;
    },
    withdraw: settle,
  };
}
