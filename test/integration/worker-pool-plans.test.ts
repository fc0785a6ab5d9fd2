import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { EventId } from '../../src/contract/ids.js';
import { subscribedEndpoints } from '../../src/db/endpoint-fan-out.js';
import { createPool, createWorkerPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';

const pools: Pool[] = [];
afterAll(() => Promise.all(pools.map((pool) => pool.end())));

/**
 * Runs one of the worker's per-event statements `times` on a pool of one connection, each time for other values;
 * how PostgreSQL planned those runs (prepared statements and their plans live on their connection).
 */
async function plansOf(pool: Pool, times: number) {
  pools.push(pool);
  for (let i = 0; i < times; i++) {
    const batch = [`evt_${i}` as EventId];
    await subscribedEndpoints(pool, `t-${i}`, ['VERIFICATION_COMPLETE'], { bookUuid: randomUUID(), batch });
  }
  const { rows } = await pool.query<{ generic_plans: string; custom_plans: string }>(
    "select generic_plans, custom_plans from pg_prepared_statements where name like 'bookbell\\_%'",
  );
  return rows.map((row) => ({ generic: Number(row.generic_plans), custom: Number(row.custom_plans) }));
}

describe("the worker's pool", () => {
  const logger = createLogger('silent');

  it('plans a statement once for any values', async () => {
    expect(await plansOf(createWorkerPool(inject('databaseUrl'), logger, 1), 4)).toEqual([{ generic: 4, custom: 0 }]);
  });

  it("where the API's pool plans each of its first runs for its values", async () => {
    expect(await plansOf(createPool(inject('databaseUrl'), logger, 1), 4)).toEqual([{ generic: 0, custom: 4 }]);
  });
});
