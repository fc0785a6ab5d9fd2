import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface SigningKeys {
  scheme: 'standard' | 'ocrolus';
  secret: string;
  /** During a rotation's grace period, the old secret signs too. */
  previousSecret?: string | undefined;
}

/**
 * The signature headers of one request. Standard Webhooks: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per secret, space-separated).
 * Ocrolus: `Webhook-Request-Id`, `Webhook-Timestamp` and `Webhook-Signature` (hex HMAC-SHA256 of
 * `timestamp.request_id.body`; one secret: Ocrolus has no multi-signature form, so during a rotation's grace the
 * delivery tries the previous secret when the new one is refused, see send-to-endpoint.ts).
 */
export function signatureHeaders(keys: SigningKeys, id: string, at: Date, body: string): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  if (keys.scheme === 'ocrolus') {
    const signature = createHmac('sha256', keys.secret).update(`${timestamp}.${id}.${body}`).digest('hex');
    return { 'Webhook-Request-Id': id, 'Webhook-Timestamp': timestamp, 'Webhook-Signature': signature };
  }
  const secrets = [keys.secret, ...(keys.previousSecret ? [keys.previousSecret] : [])];
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, at, body));
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
