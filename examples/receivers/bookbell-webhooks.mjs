// What every bookbell receiver does before it trusts a delivery, shared by node-http.mjs and koa.mjs (copy it along).
// Configuration comes from the environment:
//   WEBHOOK_SCHEME            `standard` (default) or `ocrolus`: the endpoint's `signature_scheme`
//   WEBHOOK_SECRET            the secret registration (or rotate-secret) returned
//   WEBHOOK_PREVIOUS_SECRET   optional: while you rotate, the secret you are moving away from (both are accepted)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A delivery older (or newer) than this is refused, so a captured request cannot be replayed later. */
const TOLERANCE_IN_SECONDS = 5 * 60; // the Standard Webhooks library's own window
/** How many delivery ids are remembered for dropping duplicates. */
const REMEMBERED_IDS = 10_000;

export class VerificationError extends Error {}

/** Reads the scheme and secrets from the environment and returns `verify(rawBody, headers) → { id, event }`. */
export function verifierFromEnv(env = process.env) {
  const scheme = env.WEBHOOK_SCHEME ?? 'standard';
  const secrets = [env.WEBHOOK_SECRET, env.WEBHOOK_PREVIOUS_SECRET].filter(Boolean);
  if (secrets.length === 0) throw new Error('set WEBHOOK_SECRET to the secret of the endpoint');
  if (scheme === 'standard') {
    const webhooks = secrets.map((secret) => new Webhook(secret)); // throws at once on a malformed secret
    return { scheme, verify: (body, headers) => verifyStandard(webhooks, body, headers) };
  }
  if (scheme === 'ocrolus') return { scheme, verify: (body, headers) => verifyOcrolus(secrets, body, headers) };
  throw new Error(`WEBHOOK_SCHEME must be standard or ocrolus, not ${scheme}`);
}

// Standard Webhooks: the library checks the timestamp window and every `v1,` signature in `webhook-signature`
// (bookbell sends two during its rotation grace: one per secret).
function verifyStandard(webhooks, body, headers) {
  let lastError;
  for (const webhook of webhooks) {
    try {
      return { id: headers['webhook-id'], event: webhook.verify(body, headers) };
    } catch (err) {
      lastError = err;
    }
  }
  throw new VerificationError(lastError.message);
}

// Ocrolus: `Webhook-Signature` is the hex HMAC-SHA256 of `timestamp.request_id.body`, keyed with the secret's text.
function verifyOcrolus(secrets, body, headers) {
  const id = headers['webhook-request-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id || !timestamp || !signature) throw new VerificationError('Missing required headers');
  const age = Math.floor(Date.now() / 1000) - Number(timestamp);
  if (!Number.isFinite(age) || Math.abs(age) > TOLERANCE_IN_SECONDS) {
    throw new VerificationError('Message timestamp outside the tolerance window');
  }
  const given = Buffer.from(signature, 'hex');
  const matches = secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${id}.${body}`).digest();
    return expected.length === given.length && timingSafeEqual(expected, given); // constant time
  });
  if (!matches) throw new VerificationError('No matching signature found');
  return { id, event: JSON.parse(body) };
}

/**
 * Delivery ids already handled. bookbell may deliver an event more than once (a lost answer, a redelivery someone
 * asked for), always with the same id. In memory and bounded, which is enough for an example: a real receiver keeps
 * them where its own work is stored (e.g. a unique key in its database), so a restart does not forget them.
 */
export class SeenIds {
  #ids = new Set();

  /** True the first time an id is offered, false for every repeat. */
  firstTime(id) {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > REMEMBERED_IDS) this.#ids.delete(this.#ids.values().next().value); // forget the oldest
    return true;
  }
}

/** One line per handled event: what a real receiver would hand to its own queue. */
export function printEvent(id, event) {
  console.log(`accepted ${id} ${event.event_name}: ${event.notification_reason}`);
}
