import type { TestEventPayload } from '../contract/event-payload.js';

/** The body of a test event (`POST /v1/endpoints/{id}/test`), before an endpoint's format renders it. */
export const testPayload = (eventId: string, occurredAt: string): TestEventPayload => ({
  event_id: eventId,
  event_name: 'TEST',
  occurred_at: occurredAt,
  status: 'TEST',
  notification_type: 'STATUS',
  severity: 'LOW',
  notification_reason: 'A test event from bookbell: this endpoint is reachable and verifies signatures.',
});
