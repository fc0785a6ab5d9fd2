import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { eventually } from '../support/http.js';

describe('a pool whose idle connection loses its server', () => {
  it('logs one short warning with the cause, not the connection behind it', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const pool = createPool(inject('databaseUrl'), pino({ level: 'warn' }, sink), 1);
    const other = createPool(inject('databaseUrl'), pino({ level: 'silent' }), 1);
    try {
      const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      // What a server restart or failover does to an idle connection.
      await other.query('select pg_terminate_backend($1::int)', [rows[0]?.pid]);
      const line = await eventually(() => {
        const found = lines.find((entry) => entry.msg === 'idle PostgreSQL client failed');
        if (!found) throw new Error('no warning yet');
        return found;
      });
      expect(line.err).toMatchObject({ message: 'terminating connection due to administrator command' });
      expect(line.err).not.toHaveProperty('client');
      expect(JSON.stringify(line).length).toBeLessThan(4_000);
      // And the pool goes on: the next query opens a new connection.
      expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
      await other.end();
    }
  });
});
