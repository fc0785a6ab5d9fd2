import type Router from '@koa/router';
import { startOfUtcDay, SummaryQuerySchema, type TenantSummary } from '../contract/summary.js';
import type { Pool } from '../db/pool.js';
import { readSummary } from '../db/summary.js';
import { parseInput } from './problem.js';
import type { AppState } from './state.js';

/** `GET /v1/summary`: the counts a books list shows above it (open, waiting, complete and failed since a time). */
export function registerSummaryRoutes(router: Router<AppState>, { pool }: { pool: Pool }): void {
  router.get('/v1/summary', async (ctx) => {
    const query = parseInput(SummaryQuerySchema, ctx.query, 'query string');
    const since = query.since ?? startOfUtcDay();
    const counts = await readSummary(pool, ctx.state.tenantId, since);
    ctx.body = { since: since.toISOString(), ...counts } satisfies TenantSummary;
  });
}
