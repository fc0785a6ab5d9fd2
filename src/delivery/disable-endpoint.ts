import type { EndpointId } from '../contract/ids.js';
import type { Pool } from '../db/pool.js';
import { markEndpointDisabled, operationalSubscribers } from '../db/endpoint-health.js';
import { renderDisabledEmail } from './email-content.js';
import type { Mailer } from './mailer.js';

/**
 * Disables an endpoint, records `endpoint.disabled` and mails the tenant's subscribers to it (one attempt each: the
 * event stays listed in GET /v1/operational-events whatever the mail does).
 */
export async function disableEndpoint(
  deps: { pool: Pool; mailer?: Mailer | undefined; timeoutMs: number; publicUrl?: string | undefined },
  tenantId: string,
  endpointId: EndpointId,
  reason: string,
): Promise<void> {
  const event = await markEndpointDisabled(deps.pool, tenantId, endpointId, reason);
  if (!event || !deps.mailer) return;
  const target = String(event.url ?? event.email);
  const mail = renderDisabledEmail({ id: endpointId, target, reason }, { publicUrl: deps.publicUrl });
  for (const email of await operationalSubscribers(deps.pool, tenantId, 'endpoint.disabled')) {
    await deps.mailer.send(
      email,
      { ...mail, eventId: `opevt_disabled_${endpointId.replace(/-/g, '')}` },
      deps.timeoutMs,
    );
  }
}
