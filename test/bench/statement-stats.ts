// BENCH_PG_STATEMENTS=1: the embedded PostgreSQL loads pg_stat_statements, and the bookbell phase prints the
// statements its burst ran, costliest first (execution and planning time, calls, rows, WAL). Execution time includes
// lock waits; planning time is CPU.
import type { Pool } from '../../src/db/pool.js';

export const statementStatsWanted = process.env.BENCH_PG_STATEMENTS === '1';

/** The settings that load the extension and time planning too (a restart's worth: given at the server's start). */
export const STATEMENT_STATS_SETTINGS = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  'pg_stat_statements.track_planning': 'on',
};

/** Forgets what ran so far: the figures start with the burst. */
export async function resetStatementStats(pool: Pool): Promise<void> {
  await pool.query('create extension if not exists pg_stat_statements');
  await pool.query('select pg_stat_statements_reset()');
  before = await countersSoFar(pool);
}

let before = { sessions: 0, walSyncs: 0 };

/** Connections the database has accepted so far (each a backend forked, its caches cold) and WAL flushes to disk. */
async function countersSoFar(pool: Pool): Promise<{ sessions: number; walSyncs: number }> {
  const { rows } = await pool.query<{ sessions: string; wal_syncs: string }>(
    `select (select sessions from pg_stat_database where datname = current_database()) as sessions,
            (select coalesce(sum(fsyncs), 0) from pg_stat_io where object = 'wal') as wal_syncs`,
  );
  return { sessions: Number(rows[0]?.sessions ?? 0), walSyncs: Number(rows[0]?.wal_syncs ?? 0) };
}

/** The `limit` statements that cost most since the reset, one line each. */
export async function printStatementStats(pool: Pool, stage: string, limit = 25): Promise<void> {
  const { rows } = await pool.query<{
    calls: string;
    exec: number;
    plan: number;
    rows: string;
    wal: string;
    query: string;
  }>(
    `select calls, total_exec_time as exec, total_plan_time as plan, rows, wal_bytes as wal,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as query
     from pg_stat_statements
     where query not like '%pg_stat_statements%'
     order by total_exec_time + total_plan_time desc
     limit $1::int`,
    [limit],
  );
  const counted = await countersSoFar(pool);
  const total = rows.reduce((sum, row) => ({ exec: sum.exec + row.exec, plan: sum.plan + row.plan }), {
    exec: 0,
    plan: 0,
  });
  console.log(
    `\n${stage}: PostgreSQL statements of the burst (top ${rows.length}: ${total.exec.toFixed(0)} ms executing, ` +
      `${total.plan.toFixed(0)} ms planning; ${counted.sessions - before.sessions} connections opened, ${counted.walSyncs - before.walSyncs} WAL flushes)\n   calls   exec ms   plan ms     rows    WAL KiB  statement`,
  );
  for (const row of rows) {
    console.log(
      `${row.calls.padStart(8)}${row.exec.toFixed(0).padStart(10)}${row.plan.toFixed(0).padStart(10)}` +
        `${row.rows.padStart(9)}${(Number(row.wal) / 1024).toFixed(0).padStart(11)}  ${row.query}`,
    );
  }
}
