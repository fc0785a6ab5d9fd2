import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import { z } from 'zod';
import { CreateWebhookRequestSchema, UpdateWebhookRequestSchema, WebhookIdSchema } from '../contract/webhooks.js';
import { listWebhookDeliveries } from '../db/deliveries.js';
import type { Pool } from '../db/pool.js';
import {
  deleteWebhook,
  DuplicateUrlError,
  findWebhook,
  insertWebhook,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookRow,
} from '../db/webhooks.js';
import { generateSecret } from '../delivery/secrets.js';
import type { DestinationPolicy } from '../delivery/ssrf.js';
import { conflict, HttpProblem, notFound, parseInput } from './problem.js';
import type { AppState } from './state.js';

export interface WebhookRouteDeps {
  pool: Pool;
  destinations: DestinationPolicy;
  allowHttp: boolean;
  /** How long the old secret keeps signing after a rotation. */
  rotationGraceMs: number;
}

/** An endpoint as the API shows it: never its secret (shown once, on create and rotation). */
function toWebhook(row: WebhookRow) {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    signature_scheme: row.signature_scheme,
    active: row.active,
    disabled_reason: row.disabled_reason,
    previous_secret_expires_at: row.previous_secret_expires_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const RotateRequestSchema = z.strictObject({ secret: z.string().min(16).max(128).optional() }).optional();
const DeliveriesQuerySchema = z.strictObject({
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** SSRF protection at the door: a URL leading to this host's private side is refused with a 400 naming `url`. */
async function checkDestination(deps: WebhookRouteDeps, url: string): Promise<void> {
  const parsed = new URL(url);
  const refusal =
    parsed.protocol === 'http:' && !deps.allowHttp
      ? 'must be https'
      : await deps.destinations.urlRefusal(parsed).then((reason) => reason && `must not lead to ${reason}`);
  if (refusal) {
    throw new HttpProblem(400, 'Invalid request', `The request body is invalid: url: ${refusal}`, [
      { field: 'url', message: refusal },
    ]);
  }
}

const urlTaken = (url: string | undefined) => conflict(`An endpoint with the url ${url ?? ''} already exists.`);

export function registerWebhookRoutes(router: Router<AppState>, deps: WebhookRouteDeps): void {
  const { pool } = deps;
  const requireWebhook = async (tenantId: string, rawId: string) => {
    const id = parseInput(WebhookIdSchema, rawId, 'id');
    const row = await findWebhook(pool, tenantId, id);
    if (!row) throw notFound(`Webhook endpoint ${id} does not exist.`);
    return row;
  };

  router.post('/v1/webhooks', async (ctx) => {
    const body = parseInput(CreateWebhookRequestSchema, ctx.request.body, 'request body');
    await checkDestination(deps, body.url);
    const secret = body.secret ?? generateSecret(body.signature_scheme);
    const row = await insertWebhook(pool, {
      tenantId: ctx.state.tenantId,
      id: randomUUID(),
      url: body.url,
      events: body.events,
      description: body.description,
      scheme: body.signature_scheme,
      secret,
    }).catch((err: unknown) => {
      throw err instanceof DuplicateUrlError ? urlTaken(body.url) : err;
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/webhooks/${row.id}`);
    ctx.body = { ...toWebhook(row), secret };
  });

  router.get('/v1/webhooks', async (ctx) => {
    ctx.body = { data: (await listWebhooks(pool, ctx.state.tenantId)).map(toWebhook) };
  });

  router.get('/v1/webhooks/:id', async (ctx) => {
    ctx.body = toWebhook(await requireWebhook(ctx.state.tenantId, ctx.params.id as string));
  });

  router.patch('/v1/webhooks/:id', async (ctx) => {
    const existing = await requireWebhook(ctx.state.tenantId, ctx.params.id as string);
    const body = parseInput(UpdateWebhookRequestSchema, ctx.request.body, 'request body');
    if (body.url) await checkDestination(deps, body.url);
    const row = await updateWebhook(pool, ctx.state.tenantId, existing.id, body).catch((err: unknown) => {
      throw err instanceof DuplicateUrlError ? urlTaken(body.url) : err;
    });
    if (!row) throw notFound(`Webhook endpoint ${existing.id} does not exist.`);
    ctx.body = toWebhook(row);
  });

  router.delete('/v1/webhooks/:id', async (ctx) => {
    const existing = await requireWebhook(ctx.state.tenantId, ctx.params.id as string);
    await deleteWebhook(pool, ctx.state.tenantId, existing.id);
    ctx.status = 204;
  });

  router.post('/v1/webhooks/:id/rotate-secret', async (ctx) => {
    const existing = await requireWebhook(ctx.state.tenantId, ctx.params.id as string);
    const body = parseInput(RotateRequestSchema, ctx.request.body, 'request body');
    const secret = body?.secret ?? generateSecret(existing.signature_scheme);
    const row = await rotateWebhookSecret(pool, ctx.state.tenantId, existing.id, secret, deps.rotationGraceMs);
    if (!row) throw notFound(`Webhook endpoint ${existing.id} does not exist.`);
    ctx.body = { ...toWebhook(row), secret };
  });

  router.get('/v1/webhooks/:id/deliveries', async (ctx) => {
    const existing = await requireWebhook(ctx.state.tenantId, ctx.params.id as string);
    const query = parseInput(DeliveriesQuerySchema, ctx.query, 'query string');
    const rows = await listWebhookDeliveries(pool, ctx.state.tenantId, existing.id, query);
    ctx.body = {
      data: rows.map((row) => ({
        event_id: row.event_id,
        event_type: row.event_type,
        book_uuid: row.book_uuid,
        status: row.status,
        attempts: row.attempt_log,
        created_at: row.created_at.toISOString(),
        finished_at: row.finished_at?.toISOString() ?? null,
      })),
    };
  });
}
