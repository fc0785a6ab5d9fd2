import type { EndpointId } from '../contract/ids.js';
import type { Pool } from '../db/pool.js';
import { disableWebhook, operationalSubscribers } from '../db/webhooks.js';
import type { Mailer } from './mailer.js';

/**
 * Disables an endpoint, records `webhook.disabled` and mails the tenant's subscribers to it (one attempt each: the
 * event stays listed in GET /v1/operational-events whatever the mail does).
 */
export async function disableEndpoint(
  deps: { pool: Pool; mailer?: Mailer | undefined; timeoutMs: number },
  tenantId: string,
  endpointId: EndpointId,
  reason: string,
): Promise<void> {
  const event = await disableWebhook(deps.pool, tenantId, endpointId, reason);
  if (!event || !deps.mailer) return;
  for (const email of await operationalSubscribers(deps.pool, tenantId, 'webhook.disabled')) {
    await deps.mailer.send(
      email,
      {
        subject: `bookbell disabled a webhook endpoint: ${reason}`.slice(0, 200),
        text: `Endpoint ${endpointId} (${String(event.url ?? event.email)}) was disabled: ${reason}.\nIts deliveries are held meanwhile. Enable it again with PATCH /v1/webhooks/${endpointId} {"active": true}: the held deliveries are then sent, in order.\n-- bookbell`,
        eventId: `opevt_disabled_${endpointId.replace(/-/g, '')}`,
      },
      deps.timeoutMs,
    );
  }
}
