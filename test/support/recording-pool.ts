import type { Pool, PoolClient } from '../../src/db/pool.js';

/** A statement a pool ran, with its parameters and the `set local` settings in force (to EXPLAIN it as it ran). */
export interface RanStatement {
  text: string;
  values: unknown[];
  /** E.g. `enable_sort = off` (src/db/pool.ts: inIndexOrder, withoutNestedLoops); empty on the pool itself. */
  settings: string[];
}

type Query = (statement: string | { text: string }, values?: unknown[]) => Promise<unknown>;

/**
 * The pool, but every statement it runs is also pushed onto `ran`: those of `query`, and those of the clients it
 * lends (transactions), each with the settings its transaction made; the transaction's own statements are left out.
 */
export function recordingPool(pool: Pool, ran: RanStatement[]): Pool {
  const recording = (query: Query, settings: string[]): Query => {
    // A statement is its text, or a prepared statement's config (src/db/pool.ts: prepared).
    return (statement, values = []) => {
      const text = typeof statement === 'string' ? statement : statement.text;
      const setting = /^\s*set local (.+?)\s*$/i.exec(text)?.[1];
      if (setting) settings.push(setting);
      // A transaction's settings end with it.
      else if (/^\s*(begin|commit|rollback)\s*$/i.test(text)) settings.length = 0;
      else ran.push({ text, values, settings: [...settings] });
      return query(statement, values);
    };
  };
  const lent = (client: PoolClient): PoolClient => {
    const query = recording(client.query.bind(client), []);
    return new Proxy(client, {
      get(target, property) {
        if (property === 'query') return query;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const query = recording(pool.query.bind(pool), []);
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'query') return query;
      if (property === 'connect') return async () => lent(await target.connect());
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/**
 * EXPLAIN (`options`, e.g. `analyze, format json`) of a statement as it ran: in a transaction with its settings, on a
 * connection of the same pool — and so, on the worker's pool (src/db/pool.ts: createWorkerPool), with the plan it
 * makes for any values, not one for these.
 */
export async function explainAsRan<T>(pool: Pool, statement: RanStatement, options: string): Promise<T> {
  const client = await pool.connect();
  let preparedHere = false;
  try {
    const { rows: mode } = await client.query<{ plan_cache_mode: string }>('show plan_cache_mode');
    const generic = mode[0]?.plan_cache_mode === 'force_generic_plan' && statement.values.length > 0;
    await client.query('begin');
    for (const setting of statement.settings) await client.query(`set local ${setting}`);
    if (!generic) {
      const { rows } = await client.query<{ 'QUERY PLAN': T }>(
        `explain (${options}) ${statement.text}`,
        statement.values,
      );
      return (rows[0] as { 'QUERY PLAN': T })['QUERY PLAN'];
    }
    await client.query(`prepare explained as ${statement.text}`);
    preparedHere = true;
    // EXPLAIN takes no parameters of its own: EXECUTE's are literals (quoted by PostgreSQL from the text pg sends for
    // each value), which it turns into the statement's types.
    const literals: string[] = [];
    for (const value of statement.values) {
      const { rows: quoted } = await client.query<{ literal: string }>('select quote_nullable($1::text) as literal', [
        value,
      ]);
      literals.push((quoted[0] as { literal: string }).literal);
    }
    const { rows } = await client.query<{ 'QUERY PLAN': T }>(
      `explain (${options}) execute explained(${literals.join(', ')})`,
    );
    return (rows[0] as { 'QUERY PLAN': T })['QUERY PLAN'];
  } finally {
    await client.query('rollback');
    // A prepared statement outlives the transaction.
    if (preparedHere) await client.query('deallocate explained');
    client.release();
  }
}
