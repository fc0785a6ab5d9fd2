import { digestContents, findDigest, finishDigest, recordDigestAttempt } from '../db/digests.js';
import { sendsTo } from '../db/endpoints.js';
import { recordEndpointHealth } from '../db/endpoint-health.js';
import { findEndpointWithSecrets } from '../db/endpoint-secrets.js';
import type { AttemptDecision, DeliveryDeps } from '../delivery/attempt-pipeline.js';
import { attemptHealth, judgeAttempt, loggedAttempt } from '../delivery/attempt-verdict.js';
import { disableEndpoint } from '../delivery/disable-endpoint.js';
import { nextDelayMs } from '../delivery/retry-schedule.js';
import type { AttemptResult } from '../delivery/send.js';
import { DIGEST_LISTED_EVENTS, renderDigest } from './digest-mail.js';

/**
 * Attempt `attempt` at a daily digest, by the rules of a delivery (attempt-pipeline.ts): mailed only to an endpoint
 * that is on and confirmed; the SMTP answer judged as for any mail (`judgeAttempt`); retried on the delivery retry
 * schedule within the delivery window; every attempt logged (`digest_attempts`), the endpoint's failure streak kept
 * and the endpoint disabled past DISABLE_AFTER. A digest that cannot be sent ends FAILED: its events go in the next
 * one, which starts after the last digest delivered. The digest's id is the Message-ID on every attempt.
 */
export async function attemptDigest(
  deps: DeliveryDeps,
  key: { tenantId: string; digestId: string },
  attempt: number,
): Promise<AttemptDecision> {
  const { tenantId, digestId } = key;
  const digest = await findDigest(deps.pool, tenantId, digestId);
  if (!digest) return { status: 'FAILED' }; // deleted with its endpoint
  if (digest.status !== 'PENDING') return { status: digest.status };
  const endpoint = await findEndpointWithSecrets(deps.pool, deps.secrets, tenantId, digest.endpoint_id);
  if (!endpoint || !sendsTo(endpoint) || endpoint.mail_mode !== 'daily') {
    await finishDigest(deps.pool, tenantId, digestId, 'the endpoint was paused, disabled or changed: not sent');
    return { status: 'FAILED' };
  }
  const contents = await digestContents(deps.pool, tenantId, digestId, DIGEST_LISTED_EVENTS);
  const email = renderDigest(
    { id: digestId, day: digest.local_day, timeZone: endpoint.digest_time_zone ?? 'UTC', ...contents },
    { publicUrl: deps.publicUrl },
  );
  // Mail only, as sendToEndpoint mails any event: the digest's id is its Message-ID on every attempt.
  const result: AttemptResult = deps.mailer
    ? await deps.mailer.send(endpoint.email as string, { ...email, eventId: digestId }, deps.timeoutMs, deps.cancel)
    : { outcome: { kind: 'retry' }, durationMs: 0, error: 'SMTP_URL is not configured' };
  deps.cancel?.throwIfAborted();
  const failingSince = await recordEndpointHealth(deps.pool, tenantId, endpoint.id, attemptHealth([result]));
  const now = Date.now();
  const verdict = judgeAttempt({
    result,
    failingSince,
    disableAfterMs: deps.disableAfterMs,
    now,
    nextDelayMs: (retryAfterMs) =>
      nextDelayMs(deps.retryPolicy, attempt, now - digest.created_at.getTime(), retryAfterMs),
  });
  const logged = loggedAttempt(attempt, result);
  const finish = verdict.kind === 'finished' ? verdict.status : verdict.kind === 'disable' ? 'FAILED' : undefined;
  await recordDigestAttempt(deps.pool, tenantId, digestId, logged, finish);
  switch (verdict.kind) {
    case 'finished':
      return { status: verdict.status };
    case 'disable':
      await disableEndpoint(deps, tenantId, endpoint.id, verdict.reason);
      return { status: 'FAILED' };
    case 'retry':
      return {
        delayMs: verdict.delayMs,
        message: `attempt ${logged.number}: ${logged.error ?? 'failed'}; next in ${Math.round(verdict.delayMs / 1000)} s`,
      };
  }
}
