import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one registry: HTTP metrics of the API, event and delivery metrics of the worker's activities, and
 * Node's own process metrics (default names, so stock Node.js dashboards work).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });
