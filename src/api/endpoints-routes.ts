import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import {
  CreateEndpointRequestSchema,
  DeliveriesQuerySchema,
  emailFormatRefusal,
  PreviewQuerySchema,
  type EndpointPreview,
  OperationalEventsQuerySchema,
  RecoverRequestSchema,
  RotateSecretRequestSchema,
  secretRefusal,
  UpdateEndpointRequestSchema,
  EndpointsQuerySchema,
  mailSettingsRefusal,
  type Endpoint,
  type EndpointTestResult,
} from '../contract/endpoints.js';
import { AttemptsQuerySchema, DELIVERY_ID } from '../contract/deliveries.js';
import { asEventId, EndpointIdSchema, type EventId } from '../contract/ids.js';
import { findDelivery, listAttemptPage, listEndpointDeliveries, reopenDeliveries } from '../db/deliveries.js';
import type { Logger } from '../logger.js';
import { deliveryId, toDelivery, toDigest } from './delivery-view.js';
import { DigestsQuerySchema } from '../contract/digests.js';
import { listEndpointDigests } from '../db/digests.js';
import {
  attemptCursor,
  endpointCursor,
  endpointDeliveryCursor,
  endpointDigestCursor,
  operationalEventCursor,
} from './list-cursors.js';
import { pageOf } from './pagination.js';
import type { Keyring } from '../crypto/keyring.js';
import { inTransaction, type Pool } from '../db/pool.js';
import {
  listOperationalEvents,
  deleteEndpoint,
  DuplicateUrlError,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  sendsTo,
  updateEndpoint,
  type EndpointRow,
} from '../db/endpoints.js';
import type { ConfirmationEntry } from '../db/confirmations.js';
import type { MailLimits } from '../db/mail-sends.js';
import { sendSoon } from '../delivery/confirmations.js';
import { countOrRefuse, requestConfirmation } from './confirmation-requests.js';
import { generateSecret } from '../delivery/secrets.js';
import type { Mailer } from '../delivery/mailer.js';
import type { EndpointSender } from '../delivery/send.js';
import { loadEndpoint } from '../delivery/attempt-pipeline.js';
import { sendTestEvent } from '../delivery/test-event.js';
import { renderBody } from '../events/formats/index.js';
import { sampleEvent } from '../events/formats/samples.js';
import { reopenAndHandOver } from '../temporal/redeliveries.js';
import type { Client } from '@temporalio/client';
import type { DestinationPolicy } from '../delivery/ssrf.js';
import { conflict, HttpProblem, invalidField, notFound, parseInput } from './problem.js';
import type { AppState } from './state.js';

export interface EndpointRouteDeps {
  pool: Pool;
  /** Seals signing secrets in PostgreSQL (SECRET_KEYS). */
  secrets: Keyring;
  temporal: Client;
  taskQueue: string;
  /** Sends test events (the same SSRF policy as deliveries). */
  sender: EndpointSender;
  /** Absent without SMTP_URL: e-mail endpoints are then refused. */
  mailer?: Mailer | undefined;
  timeoutMs: number;
  destinations: DestinationPolicy;
  allowHttp: boolean;
  /** How long the old secret keeps signing after a rotation. */
  rotationGraceMs: number;
  logger: Logger;
  /** Limits on test events to addresses and confirmation messages (MAIL_RATE_*). */
  mailLimits: MailLimits;
  /** Where confirmation links point: PUBLIC_URL, else the API's own address (known once it listens). */
  confirmationLinkBase: () => string;
  /** PUBLIC_URL: console links in the Slack and Teams formats (test events, previews); none without it. */
  publicUrl?: string | undefined;
}

/** An endpoint as the API shows it: never its secret (shown once, on create and rotation). */
function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    url: row.url,
    email: row.email,
    events: row.events,
    description: row.description,
    signature_scheme: row.signature_scheme,
    format: row.format,
    active: row.active,
    disabled_reason: row.disabled_reason,
    confirmed_at: row.confirmed_at?.toISOString() ?? null,
    previous_secret_expires_at: row.previous_secret_expires_at?.toISOString() ?? null,
    rate_limit: row.rate_limit,
    filter: row.filter,
    filter_skipped:
      row.filter && row.skipped_since ? { count: row.skipped_count, since: row.skipped_since.toISOString() } : null,
    mail_mode: row.mail_mode,
    digest_hour: row.digest_hour,
    digest_time_zone: row.digest_time_zone,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * SSRF protection at the door: a URL leading anywhere but the public internet (or the operator's exceptions) is
 * refused with a 400 naming `url`, and never saying what its host resolved to.
 */
async function checkDestination(deps: EndpointRouteDeps, url: string): Promise<void> {
  const parsed = new URL(url);
  const refusal =
    parsed.protocol === 'http:' && !deps.allowHttp
      ? 'must be https'
      : await deps.destinations.urlRefusal(parsed).then((reason) => reason && `is refused: ${reason}`);
  if (refusal) throw invalidField('url', refusal);
}

const urlTaken = (destination: string | undefined) =>
  conflict('destination-taken', `An endpoint for ${destination ?? 'that destination'} already exists.`);

export function registerEndpointRoutes(router: Router<AppState>, deps: EndpointRouteDeps): void {
  const { pool } = deps;
  const confirmationDeps = () => ({ ...deps, mailLimits: deps.mailLimits, linkBase: deps.confirmationLinkBase() });
  // The message was recorded with its change; the API sends it now, the worker's sweep if this fails.
  const sendNow = (entry: ConfirmationEntry | undefined) => {
    if (entry && deps.mailer) sendSoon({ ...deps, mailer: deps.mailer }, entry);
  };
  const requireEndpoint = async (tenantId: string, rawId: string) => {
    const id = parseInput(EndpointIdSchema, rawId, 'id');
    const row = await findEndpoint(pool, tenantId, id);
    if (!row) throw notFound('endpoint-not-found', `Endpoint ${id} does not exist.`);
    return row;
  };

  router.post('/v1/endpoints', async (ctx) => {
    const body = parseInput(CreateEndpointRequestSchema, ctx.request.body, 'request body');
    if (body.url) await checkDestination(deps, body.url);
    if (body.email && !deps.mailer) {
      throw new HttpProblem('email-not-configured', 'E-mail subscriptions need SMTP_URL configured on this server.', {
        errors: [{ field: 'email', message: 'is not available: no SMTP server is configured' }],
      });
    }
    const secret = body.secret ?? generateSecret(body.signature_scheme);
    const tenantId = ctx.state.tenantId;
    // An address starts unconfirmed, with its one confirmation message recorded in the same transaction: a retried
    // request (the same Idempotency-Key) replays this answer and records nothing more.
    const [row, confirmation] = await inTransaction(pool, async (client) => {
      const inserted = await insertEndpoint(
        client,
        {
          tenantId,
          id: randomUUID(),
          url: body.url,
          email: body.email,
          events: body.events,
          description: body.description,
          scheme: body.signature_scheme,
          secret,
          rateLimit: body.rate_limit,
          format: body.format,
          filter: body.filter,
          mailMode: body.mail_mode,
          digestHour: body.digest_hour,
          digestTimeZone: body.digest_time_zone,
        },
        deps.secrets,
      );
      const email = inserted.email;
      const entry = email
        ? await requestConfirmation(client, confirmationDeps(), { tenantId, endpointId: inserted.id, email })
        : undefined;
      return [inserted, entry] as const;
    }).catch((err: unknown) => {
      throw err instanceof DuplicateUrlError ? urlTaken(body.url ?? body.email) : err;
    });
    sendNow(confirmation);
    ctx.status = 201;
    ctx.set('Location', `/v1/endpoints/${row.id}`);
    // Only URL endpoints sign; an e-mail endpoint has no secret to keep.
    ctx.body = { ...toEndpoint(row), secret: row.url ? secret : null };
  });

  router.get('/v1/endpoints', async (ctx) => {
    const query = parseInput(EndpointsQuerySchema, ctx.query, 'query string');
    const { tenantId } = ctx.state;
    const [at, id] = endpointCursor.decode(query.cursor, tenantId) ?? [];
    const rows = await listEndpoints(pool, tenantId, {
      limit: query.limit + 1,
      after: at && id ? { at, id } : undefined,
    });
    ctx.body = pageOf(rows, query.limit, toEndpoint, (last) =>
      endpointCursor.encode(tenantId, [last.cursor_at, last.id]),
    );
  });

  router.get('/v1/endpoints/:id', async (ctx) => {
    ctx.body = toEndpoint(await requireEndpoint(ctx.state.tenantId, ctx.params.id as string));
  });

  router.patch('/v1/endpoints/:id', async (ctx) => {
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
    const body = parseInput(UpdateEndpointRequestSchema, ctx.request.body, 'request body');
    if (body.url) await checkDestination(deps, body.url);
    if ((body.url && existing.email) || (body.email && existing.url)) {
      throw invalidField(
        body.url ? 'url' : 'email',
        'cannot change the kind of endpoint',
        'A URL endpoint keeps its url and an e-mail endpoint its email.',
      );
    }
    const formatRefusal = existing.email ? emailFormatRefusal(body.format) : undefined;
    if (formatRefusal) throw invalidField('format', formatRefusal);
    const mailRefusal = mailSettingsRefusal(body, {
      email: existing.email !== null,
      mailMode: existing.mail_mode,
      digestHour: existing.digest_hour,
    });
    if (mailRefusal) throw invalidField(mailRefusal.field, mailRefusal.message);
    // Turning the endpoint on releases its HELD deliveries, in the same transaction (see reopenAndHandOver). A new
    // address has not agreed to anything: it starts unconfirmed again, with its own confirmation message.
    const target = { tenantId: ctx.state.tenantId, endpointId: existing.id };
    const readdressed = body.email !== undefined && body.email !== existing.email;
    const { row, confirmation } = await reopenAndHandOver(deps, target, async (client) => {
      let updated = await updateEndpoint(client, ctx.state.tenantId, existing.id, {
        ...body,
        rateLimit: body.rate_limit,
        mailMode: body.mail_mode,
        digestHour: body.digest_hour,
        digestTimeZone: body.digest_time_zone,
      });
      const confirmation =
        updated?.email && readdressed
          ? await requestConfirmation(client, confirmationDeps(), { ...target, email: updated.email })
          : undefined;
      if (confirmation) updated = { ...(updated as EndpointRow), confirmed_at: null };
      const release = updated && sendsTo(updated) && body.active === true;
      return {
        row: updated,
        confirmation,
        reopened: release ? await reopenDeliveries(client, target.tenantId, { ...target, held: true }) : [],
      };
    }).catch((err: unknown) => {
      throw err instanceof DuplicateUrlError ? urlTaken(body.url ?? body.email) : err;
    });
    if (!row) throw notFound('endpoint-not-found', `Endpoint ${existing.id} does not exist.`);
    sendNow(confirmation);
    ctx.body = toEndpoint(row);
  });

  router.delete('/v1/endpoints/:id', async (ctx) => {
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
    await deleteEndpoint(pool, ctx.state.tenantId, existing.id);
    ctx.status = 204;
  });

  router.post('/v1/endpoints/:id/rotate-secret', async (ctx) => {
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
    const body = parseInput(RotateSecretRequestSchema.optional(), ctx.request.body, 'request body');
    const refusal = body?.secret === undefined ? undefined : secretRefusal(existing.signature_scheme, body.secret);
    if (refusal) throw invalidField('secret', refusal);
    const secret = body?.secret ?? generateSecret(existing.signature_scheme);
    const row = await rotateEndpointSecret(
      pool,
      deps.secrets,
      ctx.state.tenantId,
      existing.id,
      secret,
      deps.rotationGraceMs,
    );
    if (!row) throw notFound('endpoint-not-found', `Endpoint ${existing.id} does not exist.`);
    ctx.body = { ...toEndpoint(row), secret };
  });

  router.get('/v1/endpoints/:id/deliveries', async (ctx) => {
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
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
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
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

  router.post('/v1/endpoints/:id/confirmation', async (ctx) => {
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
    const email = existing.email;
    if (!email || existing.confirmed_at) {
      throw conflict(
        'confirmation-not-pending',
        email ? `${email} has confirmed already.` : 'A URL needs no confirmation.',
      );
    }
    const target = { tenantId: ctx.state.tenantId, endpointId: existing.id };
    const entry = await inTransaction(pool, (client) =>
      requestConfirmation(client, confirmationDeps(), { ...target, email }),
    );
    sendNow(entry);
    ctx.status = 202;
    ctx.body = toEndpoint(existing);
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
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
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
    const existing = await requireEndpoint(ctx.state.tenantId, ctx.params.id as string);
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
    const existing = await requireEndpoint(ctx.state.tenantId, rawEndpointId);
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
    const existing = await requireEndpoint(ctx.state.tenantId, rawEndpointId);
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
