import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  findDelivery,
  finishDelivery,
  holdDelivery,
  recordAttempt,
  type DeliveryRow,
  type LoggedAttempt,
} from '../src/db/deliveries.js';
import type { Pool } from '../src/db/pool.js';
import {
  disableWebhook,
  findWebhookWithSecrets,
  operationalSubscribers,
  recordEndpointHealth,
  type WebhookRow,
  type WebhookSecrets,
} from '../src/db/webhooks.js';
import { nextDelayMs, type RetryPolicy } from '../src/delivery/retry-schedule.js';
import { renderDisabledEmail, renderEmail } from '../src/delivery/email-content.js';
import type { Mailer } from '../src/delivery/mailer.js';
import type { AttemptResult, WebhookSender } from '../src/delivery/send.js';
import type { EventPayload } from '../src/events/payloads.js';
import { countFinishedDelivery, observeDeliveryAttempt } from '../src/metrics/delivery-metrics.js';
import { signatureHeaders, type SigningKeys } from '../src/delivery/signing.js';

const HEARTBEAT_INTERVAL_MS = 1000;

export interface DeliveryDeps {
  pool: Pool;
  retryPolicy: RetryPolicy;
  timeoutMs: number;
  sender: WebhookSender;
  /** Absent without SMTP_URL: e-mail deliveries then retry until it is configured. */
  mailer?: Mailer | undefined;
  /** An endpoint failing without a break this long is disabled. */
  disableAfterMs: number;
  /** PUBLIC_URL: mails link to the console under it; unset, they carry no link. */
  publicUrl?: string | undefined;
}

/**
 * Disables an endpoint, records `webhook.disabled` and mails the tenant's subscribers to it (one attempt each: the
 * event stays listed in GET /v1/operational-events whatever the mail does).
 */
async function disableEndpoint(deps: DeliveryDeps, tenantId: string, webhookId: string, reason: string) {
  const event = await disableWebhook(deps.pool, tenantId, webhookId, reason);
  if (!event || !deps.mailer) return;
  for (const email of await operationalSubscribers(deps.pool, tenantId, 'webhook.disabled')) {
    const target = String(event.url ?? event.email);
    const mail = renderDisabledEmail({ id: webhookId, target, reason }, { publicUrl: deps.publicUrl });
    await deps.mailer.send(
      email,
      { ...mail, eventId: `opevt_disabled_${webhookId.replace(/-/g, '')}` },
      deps.timeoutMs,
    );
  }
}

/**
 * Signs the body with the endpoint's secrets and POSTs it. During a rotation's grace period the old secret signs too:
 * Standard Webhooks sends both signatures in one header; the Ocrolus scheme has room for one, so a request signed
 * with the new secret that the receiver refuses as unauthenticated (401, 403) goes again at once, signed with the old
 * one (a receiver still on it then accepts; the refused request delivered nothing, so this is no repeat).
 */
async function sendWebhook(
  deps: DeliveryDeps,
  webhook: WebhookRow & WebhookSecrets & { url: string },
  eventId: string,
  payload: EventPayload,
): Promise<AttemptResult> {
  const body = JSON.stringify(payload);
  const inGrace =
    webhook.previous_secret_expires_at !== null && webhook.previous_secret_expires_at.getTime() >= Date.now();
  const previousSecret = inGrace ? (webhook.previous_secret ?? undefined) : undefined;
  const scheme = webhook.signature_scheme;
  const send = (keys: SigningKeys) =>
    deps.sender.send(webhook.url, body, signatureHeaders(keys, eventId, new Date(), body), deps.timeoutMs);
  if (scheme !== 'ocrolus' || !previousSecret) return send({ scheme, secret: webhook.secret, previousSecret });
  const first = await send({ scheme, secret: webhook.secret });
  if (!isUnauthenticated(first)) return first;
  const second = await send({ scheme, secret: previousSecret });
  return {
    ...second,
    durationMs: first.durationMs + second.durationMs,
    error: [`refused the new secret (${statusOf(first)}): sent again signed with the previous one`, second.error]
      .filter(Boolean)
      .join('; '),
  };
}

const statusOf = (result: AttemptResult) => ('statusCode' in result.outcome ? result.outcome.statusCode : undefined);
const isUnauthenticated = (result: AttemptResult) => [401, 403].includes(statusOf(result) ?? 0);

async function sendMail(deps: DeliveryDeps, to: string, payload: EventPayload): Promise<AttemptResult> {
  if (!deps.mailer) return { outcome: { kind: 'retry' }, durationMs: 0, error: 'SMTP_URL is not configured' };
  const mail = renderEmail(payload, { publicUrl: deps.publicUrl });
  return deps.mailer.send(to, { ...mail, eventId: payload.event_id }, deps.timeoutMs);
}

export interface DeliverEventInput {
  tenantId: string;
  eventId: string;
  webhookId: string;
  /** Attempts this round already made elsewhere (by a batch's one attempt, see deliver-events.ts). */
  attemptsBefore?: number;
}

/** How an attempt left a delivery: finished, or HELD while its endpoint is off (released by a resume or recovery). */
export type DeliveryStatus = 'DELIVERED' | 'FAILED' | 'HELD';
type Finished = Exclude<DeliveryStatus, 'HELD'>;

/** What one attempt decided: the delivery finished, or it is tried again after `delayMs`. */
export type AttemptDecision = { status: DeliveryStatus } | { delayMs: number; message: string };

export type DeliveryKey = { tenantId: string; eventId: string; webhookId: string };

/** How an attempt writes its outcome: one statement each, or (a batch) one for all its attempts. */
export interface AttemptWrites {
  /** The endpoint's failure streak after this attempt (see recordEndpointHealth). */
  health: (delivered: boolean) => Promise<Date | null>;
  /** Logs the attempt, finishing the delivery when told. */
  log: (key: DeliveryKey, attempt: LoggedAttempt, finish?: Finished) => Promise<void>;
}

const writeEach = (deps: DeliveryDeps, key: DeliveryKey): AttemptWrites => ({
  health: (delivered) => recordEndpointHealth(deps.pool, key.tenantId, key.webhookId, delivered),
  log: (attemptKey, attempt, finish) => recordAttempt(deps.pool, attemptKey, attempt, finish),
});

/** Holds a delivery of an endpoint that is off; one turned on again meanwhile is tried again at once instead. */
async function hold(deps: DeliveryDeps, key: DeliveryKey): Promise<AttemptDecision> {
  if (await holdDelivery(deps.pool, key)) return { status: 'HELD' };
  return { delayMs: 0, message: 'the endpoint was turned on again: sending now' };
}

/** Whether `attemptDelivery` will send: the delivery is pending and its endpoint active. */
export const willSend = (
  delivery: DeliveryRow | undefined,
  webhook: (WebhookRow & WebhookSecrets) | undefined,
): boolean => delivery?.status === 'PENDING' && webhook?.active === true;

/**
 * Attempt `roundAttempt` (1-based, within the delivery's round) of one delivery: sends it unless it is finished,
 * held, or its endpoint is gone, paused or disabled (then it is held), logs the attempt, keeps the endpoint's health,
 * and decides what comes next.
 */
export async function attemptDelivery(
  deps: DeliveryDeps,
  key: DeliveryKey,
  delivery: (DeliveryRow & { payload: EventPayload }) | undefined,
  webhook: (WebhookRow & WebhookSecrets) | undefined,
  roundAttempt: number,
  writes: AttemptWrites = writeEach(deps, key),
): Promise<AttemptDecision> {
  if (!delivery) return { status: 'FAILED' }; // its endpoint was deleted
  if (delivery.status !== 'PENDING') return { status: delivery.status };
  if (!webhook) {
    await finishDelivery(deps.pool, key, 'FAILED', 'endpoint deleted');
    countFinishedDelivery('FAILED');
    return { status: 'FAILED' };
  }
  if (!webhook.active) return hold(deps, key);

  // Numbering continues across redeliveries; the retry schedule restarts with each round.
  const attempt = delivery.round_base + roundAttempt;
  const result = await (webhook.email
    ? sendMail(deps, webhook.email, delivery.payload)
    : sendWebhook(deps, webhook as WebhookRow & WebhookSecrets & { url: string }, key.eventId, delivery.payload));
  const { outcome } = result;
  const logged = {
    number: attempt,
    statusCode: 'statusCode' in outcome ? outcome.statusCode : undefined,
    durationMs: result.durationMs,
    error:
      result.error ??
      (outcome.kind === 'delivered' ? undefined : `HTTP ${'statusCode' in outcome ? outcome.statusCode : ''}`.trim()),
    responseSnippet: result.responseSnippet,
  };
  const channel = webhook.email ? 'email' : 'webhook';
  // Logs the attempt (finishing the delivery when told), then counts it in /metrics.
  const record = async (finish?: Finished) => {
    await writes.log(key, logged, finish);
    observeDeliveryAttempt({ channel, outcome: outcome.kind, durationMs: result.durationMs, finish, delivery });
  };

  const failingSince = await writes.health(outcome.kind === 'delivered');
  // Disabling holds this delivery with every other one of the endpoint: re-enabling it sends them.
  if (failingSince && Date.now() - failingSince.getTime() >= deps.disableAfterMs) {
    await record();
    await disableEndpoint(
      deps,
      key.tenantId,
      key.webhookId,
      `failing without a break since ${failingSince.toISOString()}`,
    );
    return hold(deps, key);
  }

  switch (outcome.kind) {
    case 'delivered':
      await record('DELIVERED');
      return { status: 'DELIVERED' };
    case 'gone':
      await record();
      await disableEndpoint(deps, key.tenantId, key.webhookId, 'the endpoint answered 410 Gone');
      return hold(deps, key);
    case 'rejected':
    case 'forbidden':
      await record('FAILED');
      return { status: 'FAILED' };
    case 'retry': {
      const elapsedMs = Date.now() - delivery.round_started_at.getTime();
      const delayMs = nextDelayMs(deps.retryPolicy, roundAttempt, elapsedMs, outcome.retryAfterMs);
      if (delayMs === undefined) {
        await record('FAILED');
        return { status: 'FAILED' };
      }
      await record();
      return {
        delayMs,
        message: `attempt ${attempt}: ${logged.error ?? 'failed'}; next in ${Math.round(delayMs / 1000)} s`,
      };
    }
  }
}

/** Heartbeats while `work` runs: a worker that dies mid-request has its attempt retried within seconds. */
export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * One attempt to deliver an event to an endpoint, signed with the endpoint's secrets (loaded here by id: secrets
 * never enter Temporal). A retryable failure throws with the next delay (`nextRetryDelay`) so Temporal's activity
 * retries drive the schedule — retries cost no history — and gives up, returning FAILED, past the delivery window.
 * Idempotent: a finished delivery is not sent again; the `webhook-id` is the event id on every attempt.
 */
export function deliverEvent(deps: DeliveryDeps) {
  return async (input: DeliverEventInput): Promise<DeliveryStatus> => {
    const key = { tenantId: input.tenantId, eventId: input.eventId, webhookId: input.webhookId };
    const [delivery, webhook] = await Promise.all([
      findDelivery(deps.pool, input.tenantId, input.eventId, input.webhookId),
      findWebhookWithSecrets(deps.pool, input.tenantId, input.webhookId),
    ]);
    const roundAttempt = Context.current().info.attempt + (input.attemptsBefore ?? 0);
    const decision = await heartbeating(() => attemptDelivery(deps, key, delivery, webhook, roundAttempt));
    if ('status' in decision) return decision.status;
    throw ApplicationFailure.create({
      type: 'DeliveryAttemptFailed',
      message: decision.message,
      nextRetryDelay: decision.delayMs,
    });
  };
}
