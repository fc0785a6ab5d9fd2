import type { EventId } from '../contract/ids.js';
import type { EndpointRow } from '../db/endpoints.js';
import type { EndpointSecrets } from '../db/endpoint-secrets.js';
import { renderBody, type RenderableEvent, type RenderLinks } from '../events/formats/index.js';
import type { EventPayload } from '../events/payloads.js';
import { renderEmail, type MailLinks } from './email-content.js';
import type { Mailer } from './mailer.js';
import type { AttemptResult, EndpointSender } from './send.js';
import { signatureHeaders, type SigningKeys } from './signing.js';

/** An endpoint as the pipeline loads it: an endpoint URL or an e-mail address, with its signing secrets. */
export type Endpoint = EndpointRow & EndpointSecrets;

/** What the send stage needs: the SSRF-guarded sender, the mailer (absent without SMTP_URL), the attempt timeout. */
export interface SendDeps {
  sender: EndpointSender;
  mailer?: Mailer | undefined;
  timeoutMs: number;
  /**
   * The activity's cancellation (worker shutdown, a cancelled workflow): aborts the send in flight. The pipeline then
   * logs nothing for the attempt; the next one carries the same `webhook-id`.
   */
  cancel?: AbortSignal | undefined;
}

/**
 * One message in both forms: the event an endpoint gets (rendered in the endpoint's body format when sent), the
 * e-mail an address gets.
 */
export interface Message {
  eventId: EventId;
  event: RenderableEvent;
  /** PUBLIC_URL, for the console links of the Slack and Teams formats. */
  links: RenderLinks;
  /** Made only for an address: a webhook's attempt renders no mail. The HTML part is optional (the test event's). */
  email: () => { subject: string; text: string; html?: string | undefined };
}

/** An event's message: its payload, and as a readable e-mail (linking the console under PUBLIC_URL). */
export function eventMessage(payload: EventPayload, links: MailLinks = {}): Message {
  return { eventId: payload.event_id as EventId, event: payload, links, email: () => renderEmail(payload, links) };
}

/**
 * Stage 2 of an attempt: signs the message with the endpoint's secrets and POSTs it, or mails it; never throws.
 * During a rotation's grace period the old secret signs too: Standard Webhooks sends both signatures in one header;
 * the Ocrolus scheme has room for one, so a request signed with the new secret that the receiver refuses as
 * unauthenticated (401, 403) goes again at once, signed with the old one (a receiver still on it then accepts; the
 * refused request delivered nothing, so this is no repeat).
 */
export async function sendToEndpoint(deps: SendDeps, endpoint: Endpoint, message: Message): Promise<AttemptResult> {
  if (endpoint.email) {
    if (!deps.mailer) return { outcome: { kind: 'retry' }, durationMs: 0, error: 'SMTP_URL is not configured' };
    return deps.mailer.send(
      endpoint.email,
      { ...message.email(), eventId: message.eventId },
      deps.timeoutMs,
      deps.cancel,
    );
  }
  const url = endpoint.url as string;
  const inGrace =
    endpoint.previous_secret_expires_at !== null && endpoint.previous_secret_expires_at.getTime() >= Date.now();
  const previousSecret = inGrace ? (endpoint.previous_secret ?? undefined) : undefined;
  const scheme = endpoint.signature_scheme;
  // The signature covers the bytes sent, in the endpoint's format; webhook-id stays the event's id.
  const body = renderBody(endpoint.format, message.event, message.links);
  const send = (keys: SigningKeys) =>
    deps.sender.send(url, body, signatureHeaders(keys, message.eventId, new Date(), body), deps.timeoutMs, deps.cancel);
  if (scheme !== 'ocrolus' || !previousSecret) return send({ scheme, secret: endpoint.secret, previousSecret });
  const first = await send({ scheme, secret: endpoint.secret });
  if (!isUnauthenticated(first) || deps.cancel?.aborted) return first;
  const second = await send({ scheme, secret: previousSecret });
  return {
    ...second,
    durationMs: first.durationMs + second.durationMs,
    error: [`refused the new secret (${statusOf(first)}): sent again signed with the previous one`, second.error]
      .filter(Boolean)
      .join('; '),
  };
}

/** The receiver's HTTP status (or SMTP reply code), when it answered. */
export const statusOf = (result: AttemptResult): number | undefined =>
  'statusCode' in result.outcome ? result.outcome.statusCode : undefined;
const isUnauthenticated = (result: AttemptResult) => [401, 403].includes(statusOf(result) ?? 0);
