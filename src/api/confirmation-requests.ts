import type { Keyring } from '../crypto/keyring.js';
import { addConfirmation, type ConfirmationEntry } from '../db/confirmations.js';
import { countMailSend, type MailLimits } from '../db/mail-sends.js';
import type { PoolClient } from '../db/pool.js';
import { confirmationLink, newConfirmationToken } from '../delivery/confirmation-mail.js';
import { confirmationLeaseMs } from '../delivery/confirmations.js';
import { HttpProblem } from './problem.js';

/**
 * Counts a mail against the tenant's limits, in the caller's transaction, or throws the 429 that rolls it back
 * (nothing is changed, nothing sent).
 */
export async function countOrRefuse(
  client: Pick<PoolClient, 'query'>,
  tenantId: string,
  email: string,
  limits: MailLimits,
): Promise<void> {
  const count = await countMailSend(client, tenantId, email, limits);
  if (count.counted) return;
  const seconds = Math.max(1, Math.ceil(count.retryAfterMs / 1000));
  throw new HttpProblem(
    'mail-rate-limited',
    count.limit === 'address'
      ? `At most ${limits.perAddress} mails to ${email} may be asked for in a window; try again in ${seconds} s.`
      : `At most ${limits.perTenant} mails may be asked for in a window; try again in ${seconds} s.`,
    { retryAfterSeconds: seconds },
  );
}

/**
 * Gives an e-mail endpoint a new confirmation token and records the one message carrying its link, in the caller's
 * transaction (the endpoint's own insert or change): the message exists exactly when the change does. Counted against
 * the mail limits; over them this throws the 429 and the transaction rolls back.
 */
export async function requestConfirmation(
  client: Pick<PoolClient, 'query'>,
  deps: { taskQueue: string; timeoutMs: number; mailLimits: MailLimits; linkBase: string; secrets: Keyring },
  endpoint: { tenantId: string; endpointId: string; email: string },
): Promise<ConfirmationEntry> {
  await countOrRefuse(client, endpoint.tenantId, endpoint.email, deps.mailLimits);
  const { token, hash } = newConfirmationToken();
  return addConfirmation(
    client,
    { ...endpoint, taskQueue: deps.taskQueue, link: confirmationLink(deps.linkBase, token), tokenHash: hash },
    confirmationLeaseMs(deps.timeoutMs),
    deps.secrets,
  );
}
