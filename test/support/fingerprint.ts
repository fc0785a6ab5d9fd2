import type { Client } from '@temporalio/client';
import pg from 'pg';
import type { Pool } from '../../src/db/pool.js';

/**
 * Everything the database holds for these tenants, one md5 over the ordered rows per table: every table with a
 * `tenant_id` column (found at run time, so new tables are covered too) and the tenants themselves.
 */
export async function databaseFingerprint(pool: Pool, tenantIds: string[]): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `select table_name from information_schema.columns
     where table_schema = current_schema() and column_name = 'tenant_id' order by table_name`,
  );
  const sources = [
    ...tables.map(({ table_name }) => ({ table: table_name, column: 'tenant_id' })),
    { table: 'tenants', column: 'id' },
  ];
  const fingerprint: Record<string, string> = {};
  for (const { table, column } of sources) {
    const { rows } = await pool.query<{ count: number; md5: string }>(
      `select count(*)::int as count, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as md5
       from ${pg.escapeIdentifier(table)} t where ${pg.escapeIdentifier(column)} = any($1::text[])`,
      [tenantIds],
    );
    const row = rows[0] as { count: number; md5: string };
    fingerprint[table] = `${row.count} rows, md5 ${row.md5}`;
  }
  return fingerprint;
}

/** Every workflow on the task queue: id, run, status and history length (a signal or update would grow it). */
export async function workflowFingerprint(client: Client, taskQueue: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const described = await client.workflow.getHandle(execution.workflowId, execution.runId).describe();
    lines.push(
      `${execution.workflowId} ${execution.runId} ${described.status.name} history=${described.historyLength}`,
    );
  }
  return lines.sort();
}

/** Waits until `take` gives the same answer twice, `intervalMs` apart: the system has settled. */
export async function settled<T>(take: () => Promise<T>, intervalMs = 1000, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let previous = JSON.stringify(await take());
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const current = await take();
    const text = JSON.stringify(current);
    if (text === previous) return current;
    if (Date.now() > deadline) throw new Error(`Did not settle within ${timeoutMs} ms: ${text}`);
    previous = text;
  }
}
