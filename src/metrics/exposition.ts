import type Koa from 'koa';
import { registry } from './registry.js';
import { METRICS_CHALLENGE, METRICS_REFUSAL, metricsAuthorized } from './token.js';

const CORE_SCRAPE_TIMEOUT_MS = 2000;

let temporalCoreUrl: string | undefined;

/**
 * Appends the Temporal SDK core's own metrics (`temporal_*`, served by the core's Prometheus exporter on a loopback
 * port) to this process's `/metrics`. Called once the worker's Runtime is installed with that exporter.
 */
export function includeTemporalCoreMetrics(url: string): void {
  temporalCoreUrl = url;
}

/** Prometheus text exposition of everything this process measures. */
export async function metricsText(): Promise<string> {
  const own = await registry.metrics();
  if (!temporalCoreUrl) return own;
  try {
    const response = await fetch(temporalCoreUrl, { signal: AbortSignal.timeout(CORE_SCRAPE_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return own + (await response.text());
  } catch (err) {
    // A comment line keeps the exposition valid and tells the operator why temporal_* is missing from this scrape.
    return `${own}# Temporal SDK metrics unavailable: ${(err as Error).message.replace(/\s+/g, ' ')}\n`;
  }
}

export const METRICS_CONTENT_TYPE = registry.contentType;

/**
 * `GET /metrics` for the Koa app: no API key (it carries no tenant data), but METRICS_TOKEN when the operator set one
 * (see docs/security.md).
 */
export function serveMetrics(token: string | undefined) {
  return async (ctx: Koa.Context): Promise<void> => {
    if (!metricsAuthorized(ctx.get('authorization'), token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', METRICS_CHALLENGE);
      ctx.type = 'text/plain';
      ctx.body = METRICS_REFUSAL;
      return;
    }
    ctx.type = METRICS_CONTENT_TYPE;
    ctx.body = await metricsText();
  };
}
