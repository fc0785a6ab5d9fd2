import type Koa from 'koa';
import { Histogram } from 'prom-client';
import { registry } from './registry.js';

const httpDuration = new Histogram({
  name: 'bookbell_http_request_duration_seconds',
  help: 'Time to answer an HTTP request of the intake API, by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** The part of a `@koa/router` Router used here: which routes a path and method match. */
interface RouteMatcher {
  match(path: string, method: string): { pathAndMethod: Array<{ methods: string[]; path: string | RegExp }> };
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route template a request was for (`/v1/books/:book_uuid`), never its raw path: ids in label values would make
 * one series per book. Requests answered before routing (401, 413, 415, an idempotent replay) are matched here.
 */
function routeOf(ctx: Koa.Context, router: RouteMatcher): string {
  const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  if (typeof matched === 'string') return matched;
  const layer = router.match(ctx.path, ctx.method).pathAndMethod.findLast((candidate) => candidate.methods.length > 0);
  return typeof layer?.path === 'string' ? layer.path : 'unmatched';
}

/** Koa middleware timing every request; mount it first so the status is the one the client got. */
export function httpMetrics(router: RouteMatcher): Koa.Middleware {
  return async (ctx, next) => {
    const end = httpDuration.startTimer();
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (err) {
      status = (err as { status?: number }).status ?? 500;
      throw err;
    } finally {
      end({
        method: METHODS.has(ctx.method) ? ctx.method : 'OTHER',
        route: routeOf(ctx, router),
        status: String(status),
      });
    }
  };
}
