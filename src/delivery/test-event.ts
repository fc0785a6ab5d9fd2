import { randomUUID } from 'node:crypto';
import type { EventId } from '../contract/ids.js';
import type { RenderLinks } from '../events/formats/index.js';
import { testPayload } from '../events/test-payload.js';
import type { AttemptResult } from './send.js';
import { sendToEndpoint, type Endpoint, type Message, type SendDeps } from './send-to-endpoint.js';

/**
 * A test event: a new id each time, a body any receiver can verify (in the endpoint's format, linking its console
 * page under PUBLIC_URL), and a short mail for an address.
 */
function testMessage(links: RenderLinks): Message {
  const eventId = `evt_test_${randomUUID().replace(/-/g, '')}` as EventId;
  return {
    eventId,
    event: testPayload(eventId, new Date().toISOString()),
    links,
    email: () => ({ subject: 'bookbell test notification', text: 'This address receives bookbell notifications.' }),
  };
}

/**
 * POST /v1/endpoints/{id}/test: a test event through the attempt pipeline's send stage — signed (with the previous
 * secret too during a rotation's grace) and sent exactly as a delivery would be — and recorded nowhere.
 */
export async function sendTestEvent(
  deps: SendDeps & { publicUrl?: string | undefined },
  endpoint: Endpoint,
): Promise<{ eventId: EventId; result: AttemptResult }> {
  const message = testMessage({ publicUrl: deps.publicUrl, endpointId: endpoint.id });
  return { eventId: message.eventId, result: await sendToEndpoint(deps, endpoint, message) };
}
