import { randomUUID } from 'node:crypto';
import type { EventId } from '../contract/ids.js';
import type { AttemptResult } from './send.js';
import { sendToEndpoint, type Endpoint, type Message, type SendDeps } from './send-to-endpoint.js';

/** A test event: a new id each time, a body any receiver can verify, and a short mail for an address. */
function testMessage(): Message {
  const eventId = `evt_test_${randomUUID().replace(/-/g, '')}` as EventId;
  return {
    eventId,
    body: JSON.stringify({
      event_id: eventId,
      event_name: 'TEST',
      occurred_at: new Date().toISOString(),
      status: 'TEST',
      notification_type: 'STATUS',
      severity: 'LOW',
      notification_reason: 'A test event from bookbell: this endpoint is reachable and verifies signatures.',
    }),
    email: { subject: 'bookbell test notification', text: 'This address receives bookbell notifications.' },
  };
}

/**
 * POST /v1/endpoints/{id}/test: a test event through the attempt pipeline's send stage — signed (with the previous
 * secret too during a rotation's grace) and sent exactly as a delivery would be — and recorded nowhere.
 */
export async function sendTestEvent(
  deps: SendDeps,
  endpoint: Endpoint,
): Promise<{ eventId: EventId; result: AttemptResult }> {
  const message = testMessage();
  return { eventId: message.eventId, result: await sendToEndpoint(deps, endpoint, message) };
}
