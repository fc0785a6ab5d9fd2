// Routes for endpoints themselves: create, list, read, change and delete them, rotate a secret, resend a confirmation.
import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import { emailFormatRefusal, mailSettingsRefusal, secretRefusal } from '../contract/endpoint-settings.js';
import {
  CreateEndpointRequestSchema,
  RotateSecretRequestSchema,
  UpdateEndpointRequestSchema,
  EndpointsQuerySchema,
} from '../contract/endpoints.js';
import type { ConfirmationEntry } from '../db/confirmations.js';
import { reopenDeliveries } from '../db/reopened-deliveries.js';
import { rotateEndpointSecret } from '../db/endpoint-secrets.js';
import {
  deleteEndpoint,
  DuplicateUrlError,
  insertEndpoint,
  listEndpoints,
  sendsTo,
  updateEndpoint,
  type EndpointRow,
} from '../db/endpoints.js';
import { inTransaction } from '../db/pool.js';
import { sendSoon } from '../delivery/confirmations.js';
import { generateSecret } from '../delivery/secrets.js';
import { reopenAndHandOver } from '../temporal/redeliveries.js';
import { requestConfirmation } from './confirmation-requests.js';
import { requireEndpoint, toEndpoint, type EndpointRouteDeps } from './endpoint-access.js';
import { registerEndpointDeliveryRoutes } from './endpoint-delivery-routes.js';
import { endpointCursor } from './list-cursors.js';
import { pageOf } from './pagination.js';
import { conflict, HttpProblem, invalidField, notFound, parseInput } from './problem.js';
import type { AppState } from './state.js';

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
    ctx.body = toEndpoint(await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string));
  });

  router.patch('/v1/endpoints/:id', async (ctx) => {
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
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
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
    await deleteEndpoint(pool, ctx.state.tenantId, existing.id);
    ctx.status = 204;
  });

  router.post('/v1/endpoints/:id/rotate-secret', async (ctx) => {
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
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

  router.post('/v1/endpoints/:id/confirmation', async (ctx) => {
    const existing = await requireEndpoint(pool, ctx.state.tenantId, ctx.params.id as string);
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

  registerEndpointDeliveryRoutes(router, deps);
}
