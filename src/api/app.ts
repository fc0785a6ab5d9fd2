import { randomUUID } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import Koa from 'koa';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { registerBookListRoutes } from './book-lists-routes.js';
import { registerBookRoutes } from './books-routes.js';
import { registerDocumentRoutes } from './documents-routes.js';
import { DEFAULT_MAX_DOCUMENTS } from '../contract/book.js';
import type { Keyring } from '../crypto/keyring.js';
import type { EndpointRouteDeps } from './endpoint-access.js';
import { registerEndpointRoutes } from './endpoints-routes.js';
import { registerStreamRoutes } from './stream-routes.js';
import { registerConfirmRoutes } from './confirm-routes.js';
import { registerEventFeedRoutes } from './events-routes.js';
import { registerSummaryRoutes } from './summary-routes.js';
import type { BookChangeHub } from '../stream/book-change-hub.js';
import { requireApiKey } from './auth.js';
import { AuthFailures } from './auth-failures.js';
import { StreamSlots } from './stream-slots.js';
import type { RateLimit } from '../db/api-rate-buckets.js';
import { serveConsole, type ConsoleOptions } from './console-routes.js';
import { DOCS_PAGE } from './docs-page.js';
import { IDEMPOTENCY_KEY_TTL_MS, idempotentPosts } from './idempotency.js';
import { isJsonRequest, refuseUnreadableBody, refuseUnsafeInput } from './safe-input.js';
import { httpMetrics } from '../metrics/http-metrics.js';
import { serveMetrics } from '../metrics/exposition.js';
import { openApiDocument } from './openapi.js';
import { HttpProblem, notFound, problemMiddleware } from './problem.js';
import { problemPage, PROBLEMS_INDEX_PAGE } from './problem-pages.js';
import { isProblemCode, PROBLEM_PAGES } from '../contract/problem-types.js';
import type { AppState } from './state.js';
import { runWithRequestId } from '../temporal/request-id.js';

// A caller's own request id is kept when it is short and plain, so it can be searched in logs.
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const MAX_BODY = '1mb';

/** A request that carries a body must carry JSON: anything else is a 415, before it is read. */
async function requireJsonBodies(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
  if (hasBody && !ctx.is('application/json', '+json')) {
    throw new HttpProblem('unsupported-media-type', 'Send the request body as JSON (Content-Type: application/json).');
  }
  await next();
}

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** Endpoints: SSRF policy, the sender of test events, https rule, secret rotation grace. */
  endpoints: Omit<EndpointRouteDeps, 'pool' | 'temporal' | 'taskQueue' | 'logger' | 'secrets'>;
  /** SECRET_KEYS: seals endpoint secrets and stored idempotent answers in PostgreSQL. */
  secrets: Keyring;
  /** Continue-as-new threshold handed to new books. */
  historyLimit?: number | undefined;
  /** The most documents a book holds (BOOK_MAX_DOCUMENTS). */
  maxDocuments?: number | undefined;
  /** Book streams: the process's change listener and the keep-alive interval. */
  stream: { hub: BookChangeHub; heartbeatMs: number };
  /** The web console at /console: where the Temporal UI is, for links to workflows. */
  console?: ConsoleOptions;
  /** How long an Idempotency-Key replays its first answer (IDEMPOTENCY_KEY_TTL; 24 h unless set). */
  idempotencyKeyTtlMs?: number | undefined;
  /** METRICS_TOKEN: `/metrics` wants it as a bearer token when set. */
  metricsToken?: string | undefined;
  /** Limits against abuse (docs/security.md); each one left out is off. */
  limits?: ApiLimitSettings;
}

export interface ApiLimitSettings {
  /** Each tenant's requests (API_RATE_LIMIT, API_RATE_BURST). */
  requests?: RateLimit | undefined;
  /** Failed authentications a second per client address (API_AUTH_FAILURE_LIMIT). */
  authFailuresPerSecond?: number | undefined;
  /** Open streams per tenant in this process (MAX_STREAMS_PER_TENANT). */
  streamsPerTenant?: number | undefined;
}

/** The limits from the configuration's values (0 turns the rate limits off). */
export function apiLimits(config: {
  API_RATE_LIMIT: number;
  API_RATE_BURST: number;
  API_AUTH_FAILURE_LIMIT: number;
  MAX_STREAMS_PER_TENANT: number;
}): ApiLimitSettings {
  return {
    requests:
      config.API_RATE_LIMIT > 0 ? { perSecond: config.API_RATE_LIMIT, burst: config.API_RATE_BURST } : undefined,
    authFailuresPerSecond: config.API_AUTH_FAILURE_LIMIT,
    streamsPerTenant: config.MAX_STREAMS_PER_TENANT,
  };
}

/** The intake API as a Koa app; the caller decides where it listens. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  const router = new Router<AppState>();
  const limits = deps.limits ?? {};
  const streamSlots = new StreamSlots(limits.streamsPerTenant ?? Number.POSITIVE_INFINITY);
  const authFailures = limits.authFailuresPerSecond ? new AuthFailures(limits.authFailuresPerSecond) : undefined;

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/metrics', serveMetrics(deps.metricsToken));
  const openApi = openApiDocument();
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'html';
    ctx.body = DOCS_PAGE;
  });
  router.get(PROBLEM_PAGES, (ctx) => {
    ctx.type = 'html';
    ctx.body = PROBLEMS_INDEX_PAGE;
  });
  router.get(`${PROBLEM_PAGES}/:code`, (ctx) => {
    const code = ctx.params.code as string;
    if (!isProblemCode(code)) throw notFound('route-not-found', `No problem type ${code}: see ${PROBLEM_PAGES}.`);
    ctx.type = 'html';
    ctx.body = problemPage(code);
  });
  // Ready when both dependencies answer: load balancers route traffic here only then.
  router.get('/readyz', async (ctx) => {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await probe();
        return 'ok';
      } catch {
        return 'unreachable';
      }
    };
    const [postgres, temporal] = await Promise.all([
      check(() => deps.pool.query('select 1')),
      check(() =>
        deps.temporal.withDeadline(Date.now() + 2000, () => deps.temporal.connection.workflowService.getSystemInfo({})),
      ),
    ]);
    const ready = postgres === 'ok' && temporal === 'ok';
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', postgres, temporal };
  });
  const bookDeps = {
    pool: deps.pool,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    historyLimit: deps.historyLimit,
  };
  registerBookRoutes(router, { ...bookDeps, logger: deps.logger });
  registerBookListRoutes(router, bookDeps);
  registerDocumentRoutes(router, {
    ...bookDeps,
    maxDocuments: deps.maxDocuments ?? DEFAULT_MAX_DOCUMENTS,
  });
  registerStreamRoutes(router, {
    ...bookDeps,
    hub: deps.stream.hub,
    logger: deps.logger,
    heartbeatMs: deps.stream.heartbeatMs,
    slots: streamSlots,
  });
  registerEventFeedRoutes(router, {
    pool: deps.pool,
    hub: deps.stream.hub,
    logger: deps.logger,
    heartbeatMs: deps.stream.heartbeatMs,
    slots: streamSlots,
  });
  registerSummaryRoutes(router, { pool: deps.pool });
  registerConfirmRoutes(router, {
    pool: deps.pool,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    logger: deps.logger,
  });
  registerEndpointRoutes(router, {
    pool: deps.pool,
    secrets: deps.secrets,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    logger: deps.logger,
    ...deps.endpoints,
  });

  app.use(httpMetrics(router));
  app.use(async (ctx, next) => {
    const started = performance.now();
    const given = ctx.get('X-Request-Id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    // Every workflow start, signal and update made for this request carries its id (see request-id.ts).
    await runWithRequestId(requestId, next);
    deps.logger.info(
      {
        requestId: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use(problemMiddleware(deps.logger));
  app.use(serveConsole(deps.console));
  app.use(requireApiKey(deps.pool, { requests: limits.requests, authFailures }));
  app.use(requireJsonBodies);
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: MAX_BODY,
      // Every body the 415 gate lets through is read (the parser alone skips +json types such as problem+json).
      detectJSON: isJsonRequest,
      onError: refuseUnreadableBody,
    }),
  );
  app.use(refuseUnsafeInput);
  app.use(idempotentPosts(deps.pool, deps.secrets, deps.idempotencyKeyTtlMs ?? IDEMPOTENCY_KEY_TTL_MS));
  app.use(methodProblems);
  app.use(router.routes());
  // Sets 405 (or 501 for a method no route implements) with the Allow header RFC 9110 asks for; methodProblems turns
  // both into the method-not-allowed problem, keeping Allow.
  app.use(router.allowedMethods());
  return app;
}

/** A method the path does not take (PROPFIND, TRACE… included: the client's error, not a 501), as problem+json. */
async function methodProblems(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  await next();
  if (ctx.status === 405 || ctx.status === 501) {
    throw new HttpProblem('method-not-allowed', `This resource does not take ${ctx.method}.`);
  }
}
