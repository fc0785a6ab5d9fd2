// Routes for what an endpoint receives: test events and previews, its deliveries, digests and their attempts,
// redelivery, and the tenant's operational events.
import type Router from '@koa/router';
import {
  DeliveriesQuerySchema,
  OperationalEventsQuerySchema,
  PreviewQuerySchema,
  RecoverRequestSchema,
  type EndpointPreview,
} from '../contract/endpoints.js';
import type { EndpointTestResult } from '../contract/endpoint-view.js';
import { AttemptsQuerySchema, DELIVERY_ID } from '../contract/deliveries.js';
import { DigestsQuerySchema } from '../contract/digests.js';
import { asEventId, EndpointIdSchema, type EventId } from '../contract/ids.js';
import { findDelivery } from '../db/delivery-records.js';
import { listAttemptPage, listEndpointDeliveries } from '../db/delivery-lists.js';
import { reopenDeliveries } from '../db/reopened-deliveries.js';
import { listEndpointDigests } from '../db/digests.js';
import { listOperationalEvents } from '../db/endpoint-health.js';
import { inTransaction } from '../db/pool.js';
import { loadEndpoint } from '../delivery/attempt-pipeline.js';
import { sendTestEvent } from '../delivery/test-event.js';
import { renderBody } from '../events/formats/index.js';
import { sampleEvent } from '../events/formats/samples.js';
import { reopenAndHandOver } from '../temporal/redeliveries.js';
import { countOrRefuse } from './confirmation-requests.js';
import { deliveryId, toDelivery, toDigest } from './delivery-view.js';
import { requireEndpoint, type EndpointRouteDeps } from './endpoint-access.js';
import { attemptCursor, endpointDeliveryCursor, endpointDigestCursor, operationalEventCursor } from './list-cursors.js';
import { pageOf } from './pagination.js';
import { conflict, invalidField, notFound, parseInput } from './problem.js';
import type { AppState } from './state.js';

export function registerEndpointDeliveryRoutes(router: Router<AppState>, deps: EndpointRouteDeps): void {
  const { pool } = deps;

  router.get('/v1/endpoints/:id/deliveries', async (ctx) => {
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
    const query = parseInput(DeliveriesQuerySchema, ctx.query, 'query string');
    const [createdAt, eventId] = endpointDeliveryCursor.decode(query.cursor, existing.id) ?? [];
    const rows = await listEndpointDeliveries(pool, ctx.state.tenantId, existing.id, {
      status: query.status,
      limit: query.limit + 1,
      after: createdAt && eventId ? { createdAt, eventId, endpointId: existing.id } : undefined,
    });
    ctx.body = pageOf(rows, query.limit, toDelivery, (last) =>
      endpointDeliveryCursor.encode(existing.id, [last.cursor_at, last.event_id]),
    );
  });

  router.get('/v1/endpoints/:id/digests', async (ctx) => {
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
    const query = parseInput(DigestsQuerySchema, ctx.query, 'query string');
    const [createdAt, id] = endpointDigestCursor.decode(query.cursor, existing.id) ?? [];
    const rows = await listEndpointDigests(pool, ctx.state.tenantId, existing.id, {
      limit: query.limit + 1,
      after: createdAt && id ? { createdAt, id } : undefined,
    });
    ctx.body = pageOf(rows, query.limit, toDigest, (last) =>
      endpointDigestCursor.encode(existing.id, [last.cursor_at, last.id]),
    );
  });

  router.post('/v1/endpoints/:id/test', async (ctx) => {
    const id = parseInput(EndpointIdSchema, ctx.params.id, 'id');
    const endpoint = await loadEndpoint(pool, deps.secrets, ctx.state.tenantId, id);
    if (!endpoint) throw notFound('endpoint-not-found', `Endpoint ${id} does not exist.`);
    const email = endpoint.email;
    if (email) {
      // An address gets nothing but its confirmation message until it agrees, then only so many tests.
      if (!endpoint.confirmed_at) {
        throw conflict('endpoint-unconfirmed', `${email} has not confirmed this subscription yet.`);
      }
      await inTransaction(pool, (client) => countOrRefuse(client, ctx.state.tenantId, email, deps.mailLimits));
    }
    const { eventId, result: attempt } = await sendTestEvent(deps, endpoint);
    ctx.body = {
      event_id: eventId,
      delivered: attempt.outcome.kind === 'delivered',
      status_code: 'statusCode' in attempt.outcome ? (attempt.outcome.statusCode ?? null) : null,
      duration_ms: attempt.durationMs,
      error: attempt.error ?? null,
      response_snippet: attempt.responseSnippet ?? null,
    } satisfies EndpointTestResult;
  });

  // A sample event as this endpoint would receive it: the renderer deliveries use, on a sample book.
  router.get('/v1/endpoints/:id/preview', async (ctx) => {
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
    const { event } = parseInput(PreviewQuerySchema, ctx.query, 'query string');
    const links = { publicUrl: deps.publicUrl, endpointId: existing.id };
    ctx.body = {
      format: existing.format,
      event,
      content_type: 'application/json',
      body: renderBody(existing.format, sampleEvent(event), links),
    } satisfies EndpointPreview;
  });

  router.get('/v1/operational-events', async (ctx) => {
    const query = parseInput(OperationalEventsQuerySchema, ctx.query, 'query string');
    const { tenantId } = ctx.state;
    const [at, id] = operationalEventCursor.decode(query.cursor, tenantId) ?? [];
    const rows = await listOperationalEvents(pool, tenantId, {
      limit: query.limit + 1,
      after: at && id ? { at, id } : undefined,
    });
    ctx.body = pageOf(
      rows,
      query.limit,
      (row) => ({
        id: row.id,
        event_type: row.event_type,
        endpoint_id: row.endpoint_id,
        occurred_at: row.occurred_at.toISOString(),
        payload: row.payload,
      }),
      (last) => operationalEventCursor.encode(tenantId, [last.cursor_at, last.id]),
    );
  });

  router.post('/v1/endpoints/:id/recover', async (ctx) => {
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
    const { since } = parseInput(RecoverRequestSchema, ctx.request.body, 'request body');
    const target = { tenantId: ctx.state.tenantId, endpointId: existing.id };
    const { reopened } = await reopenAndHandOver(deps, target, async (client) => ({
      reopened: await reopenDeliveries(client, target.tenantId, { ...target, failedSince: since }),
    }));
    ctx.status = 202;
    ctx.body = { redelivering: reopened.length };
  });

  router.get('/v1/deliveries/:id/attempts', async (ctx) => {
    const id = ctx.params.id as string;
    const [eventId, rawEndpointId] = splitDeliveryId(id);
    const existing = await requireEndpoint(pool, ctx.state.tenantId, rawEndpointId);
    const query = parseInput(AttemptsQuerySchema, ctx.query, 'query string');
    const key = { tenantId: ctx.state.tenantId, eventId, endpointId: existing.id };
    const scope = deliveryId({ event_id: eventId, endpoint_id: existing.id });
    const [afterAttempt] = attemptCursor.decode(query.cursor, scope) ?? [];
    if (!(await findDelivery(pool, key.tenantId, eventId, existing.id))) {
      throw notFound('delivery-not-found', `Delivery ${id} does not exist.`);
    }
    const rows = await listAttemptPage(pool, key, { limit: query.limit + 1, afterAttempt });
    ctx.body = pageOf(
      rows,
      query.limit,
      (row) => row,
      (last) => attemptCursor.encode(scope, [last.attempt]),
    );
  });

  router.post('/v1/deliveries/:id/retry', async (ctx) => {
    const [eventId, rawEndpointId] = splitDeliveryId(ctx.params.id as string);
    const existing = await requireEndpoint(pool, ctx.state.tenantId, rawEndpointId);
    const target = { tenantId: ctx.state.tenantId, endpointId: existing.id };
    const { reopened } = await reopenAndHandOver(deps, target, async (client) => ({
      reopened: await reopenDeliveries(client, target.tenantId, { ...target, eventId }),
    }));
    if (reopened.length === 0) {
      const pending = await findDelivery(pool, ctx.state.tenantId, eventId, existing.id);
      if (!pending) throw notFound('delivery-not-found', `Delivery ${ctx.params.id as string} does not exist.`);
      throw conflict('delivery-in-progress', `Delivery ${ctx.params.id as string} is still being attempted.`);
    }
    ctx.status = 202;
    ctx.body = { id: ctx.params.id, status: 'PENDING' };
  });
}

/** Delivery ids are `<event_id>.<endpoint_id>`: the event, and the endpoint's id still to be checked. */
function splitDeliveryId(id: string): [EventId, string] {
  const dot = id.lastIndexOf('.');
  if (dot <= 0 || !DELIVERY_ID.test(id)) {
    throw invalidField('id', 'is not a delivery id', 'The delivery id is invalid: use the id a delivery listing gave.');
  }
  return [asEventId(id.slice(0, dot)), id.slice(dot + 1)];
}
