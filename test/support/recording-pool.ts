import type { Pool } from '../../src/db/pool.js';

/** A statement a pool ran, with its parameters (to EXPLAIN it as it ran). */
export interface RanStatement {
  text: string;
  values: unknown[];
}

/** The pool, but every `query` it runs is also pushed onto `ran`. */
export function recordingPool(pool: Pool, ran: RanStatement[]): Pool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      // A statement is its text, or a prepared statement's config (src/db/pool.ts: prepared).
      return (statement: string | { text: string }, values: unknown[] = []) => {
        ran.push({ text: typeof statement === 'string' ? statement : statement.text, values });
        return target.query(statement, values);
      };
    },
  });
}
