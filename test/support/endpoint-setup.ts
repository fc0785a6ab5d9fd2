import { expect } from 'vitest';
import { crm } from './books.js';
import { startReceiver, type ReceivedRequest, type Reply } from './receiver.js';
import { startTestSystem } from './system.js';

/** A delivery as GET /v1/endpoints/{id}/deliveries lists it: the fields the delivery tests read. */
export interface ListedDelivery {
  event_id: string;
  event_type: string;
  status: string;
  finished_at: string | null;
  attempts: Array<{ attempt: number; status_code: number | null }>;
}

/**
 * A test system started with `env`, a receiver answering as `reply` says, and an endpoint for it subscribed to every
 * book event; what the test must stop goes into `cleanups` (run them, reversed, after each test).
 */
export async function systemWithEndpoint(
  env: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
  reply?: (request: ReceivedRequest, index: number) => Reply,
) {
  const system = await startTestSystem(env);
  cleanups.push(system.stop);
  const api = crm(system);
  const inbox = await startReceiver(reply);
  cleanups.push(inbox.close);
  const registered = await api.call('POST', '/v1/endpoints', {
    url: inbox.url,
    events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
  });
  expect(registered.status).toBe(201);
  const endpointId = registered.body.id as string;
  /** The endpoint's deliveries, newest first, those in `status` only when given. */
  const deliveries = async (status?: string) =>
    (await api.call('GET', `/v1/endpoints/${endpointId}/deliveries?limit=100${status ? `&status=${status}` : ''}`)).body
      .data as ListedDelivery[];
  return { system, api, inbox, endpointId, deliveries };
}

/** The event names a receiver got, in arrival order. */
export const eventNames = (requests: ReceivedRequest[]) => requests.map((request) => request.json.event_name as string);
