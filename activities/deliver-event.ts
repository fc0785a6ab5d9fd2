import { ApplicationFailure, Context } from '@temporalio/activity';
import { findDelivery, finishDelivery, recordAttempt } from '../src/db/deliveries.js';
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
import { renderEmail } from '../src/delivery/email-content.js';
import type { Mailer } from '../src/delivery/mailer.js';
import type { AttemptResult, WebhookSender } from '../src/delivery/send.js';
import type { EventPayload } from '../src/events/payloads.js';
import { signatureHeaders } from '../src/delivery/signing.js';

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
}

/**
 * Disables an endpoint, records `webhook.disabled` and mails the tenant's subscribers to it (one attempt each: the
 * event stays listed in GET /v1/operational-events whatever the mail does).
 */
async function disableEndpoint(deps: DeliveryDeps, tenantId: string, webhookId: string, reason: string) {
  const event = await disableWebhook(deps.pool, tenantId, webhookId, reason);
  if (!event || !deps.mailer) return;
  for (const email of await operationalSubscribers(deps.pool, tenantId, 'webhook.disabled')) {
    await deps.mailer.send(
      email,
      {
        subject: `bookbell disabled a webhook endpoint: ${reason}`.slice(0, 200),
        text: `Endpoint ${webhookId} (${String(event.url ?? event.email)}) was disabled: ${reason}.\nEnable it again with PATCH /v1/webhooks/${webhookId} {"active": true}, then recover its failed deliveries with POST /v1/webhooks/${webhookId}/recover.\n-- bookbell`,
        eventId: `opevt_disabled_${webhookId.replace(/-/g, '')}`,
      },
      deps.timeoutMs,
    );
  }
}

/** Signs the body with the endpoint's secrets (both during a rotation's grace period) and POSTs it. */
function sendWebhook(
  deps: DeliveryDeps,
  webhook: WebhookRow & WebhookSecrets & { url: string },
  eventId: string,
  payload: EventPayload,
): Promise<AttemptResult> {
  const body = JSON.stringify(payload);
  const graceOver = !webhook.previous_secret_expires_at || webhook.previous_secret_expires_at.getTime() < Date.now();
  const headers = signatureHeaders(
    {
      scheme: webhook.signature_scheme,
      secret: webhook.secret,
      previousSecret: graceOver ? undefined : (webhook.previous_secret ?? undefined),
    },
    eventId,
    new Date(),
    body,
  );
  return deps.sender.send(webhook.url, body, headers, deps.timeoutMs);
}

async function sendMail(deps: DeliveryDeps, to: string, payload: EventPayload): Promise<AttemptResult> {
  if (!deps.mailer) return { outcome: { kind: 'retry' }, durationMs: 0, error: 'SMTP_URL is not configured' };
  return deps.mailer.send(to, { ...renderEmail(payload), eventId: payload.event_id }, deps.timeoutMs);
}

export interface DeliverEventInput {
  tenantId: string;
  eventId: string;
  webhookId: string;
}

export type DeliveryStatus = 'DELIVERED' | 'FAILED';

/**
 * One attempt to deliver an event to an endpoint, signed with the endpoint's secrets (loaded here by id: secrets
 * never enter Temporal). A retryable failure throws with the next delay (`nextRetryDelay`) so Temporal's activity
 * retries drive the schedule — retries cost no history — and gives up, returning FAILED, past the delivery window.
 * Idempotent: a finished delivery is not sent again; the `webhook-id` is the event id on every attempt.
 */
export function deliverEvent(deps: DeliveryDeps) {
  return async (input: DeliverEventInput): Promise<DeliveryStatus> => {
    const key = input;
    const delivery = await findDelivery(deps.pool, input.tenantId, input.eventId, input.webhookId);
    if (!delivery) return 'FAILED'; // its endpoint was deleted
    if (delivery.status !== 'PENDING') return delivery.status;
    const webhook = await findWebhookWithSecrets(deps.pool, input.tenantId, input.webhookId);
    if (!webhook || !webhook.active) {
      await finishDelivery(
        deps.pool,
        key,
        'FAILED',
        `endpoint disabled${webhook?.disabled_reason ? `: ${webhook.disabled_reason}` : ''}`,
      );
      return 'FAILED';
    }

    // Numbering continues across redeliveries; the retry schedule restarts with each round.
    const roundAttempt = Context.current().info.attempt;
    const attempt = delivery.round_base + roundAttempt;
    // Heartbeats while the receiver thinks: a worker that dies mid-request has its attempt retried within seconds.
    const context = Context.current();
    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
    const result = await (
      webhook.email
        ? sendMail(deps, webhook.email, delivery.payload)
        : sendWebhook(deps, webhook as WebhookRow & WebhookSecrets & { url: string }, input.eventId, delivery.payload)
    ).finally(() => clearInterval(heartbeat));
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

    const failingSince = await recordEndpointHealth(
      deps.pool,
      input.tenantId,
      input.webhookId,
      outcome.kind === 'delivered',
    );
    if (failingSince && Date.now() - failingSince.getTime() >= deps.disableAfterMs) {
      await recordAttempt(deps.pool, key, logged, 'FAILED');
      await disableEndpoint(
        deps,
        input.tenantId,
        input.webhookId,
        `failing without a break since ${failingSince.toISOString()}`,
      );
      return 'FAILED';
    }

    switch (outcome.kind) {
      case 'delivered':
        await recordAttempt(deps.pool, key, logged, 'DELIVERED');
        return 'DELIVERED';
      case 'gone':
        await recordAttempt(deps.pool, key, logged, 'FAILED');
        await disableEndpoint(deps, input.tenantId, input.webhookId, 'the endpoint answered 410 Gone');
        return 'FAILED';
      case 'rejected':
      case 'forbidden':
        await recordAttempt(deps.pool, key, logged, 'FAILED');
        return 'FAILED';
      case 'retry': {
        const elapsedMs = Date.now() - delivery.round_started_at.getTime();
        const delay = nextDelayMs(deps.retryPolicy, roundAttempt, elapsedMs, outcome.retryAfterMs);
        if (delay === undefined) {
          await recordAttempt(deps.pool, key, logged, 'FAILED');
          return 'FAILED';
        }
        await recordAttempt(deps.pool, key, logged);
        throw ApplicationFailure.create({
          type: 'DeliveryAttemptFailed',
          message: `attempt ${attempt}: ${logged.error ?? 'failed'}; next in ${Math.round(delay / 1000)} s`,
          nextRetryDelay: delay,
        });
      }
    }
  };
}
