// Records a book's workflow history for the replay tests:
//   npx tsx test/replay/record-history.ts <name>
// Runs a dev server and a worker, drives one representative book, and saves test/replay/histories/<name>.json.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { fromRoot } from '../../src/paths.js';
import { resolveTemporalCli, startTemporal } from '../../src/temporal/server.js';
import { startBookWorkflow } from '../../src/temporal/books.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { createBookWorker } from '../../src/temporal/worker.js';
import { createPool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { startTestPostgres } from '../support/postgres.js';

async function main() {
  const name = process.argv[2];
  if (!name) throw new Error('usage: record-history.ts <name>');
  const temporal = await startTemporal({ namespace: 'default' });
  const postgres = await startTestPostgres();
  const pool = createPool(postgres.url, createLogger('silent'));
  await migrate(pool);
  const taskQueue = 'record';
  const { worker, close } = await createBookWorker({
    address: temporal.address,
    namespace: 'default',
    taskQueue,
    pool,
  });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const bookUuid = randomUUID();
  await worker.runUntil(async () => {
    await pool.query(`insert into books (tenant_id, book_uuid, name) values ('acme', $1, 'Recorded book')`, [bookUuid]);
    await startBookWorkflow(client, taskQueue, {
      tenantId: 'acme',
      bookUuid,
      name: 'Recorded book',
      metadata: {},
      createdAt: new Date().toISOString(),
    });
    // Let the workflow reach its waiting point (its status activity done).
    for (let i = 0; i < 100; i++) {
      const { rows } = await pool.query('select status from books where book_uuid = $1', [bookUuid]);
      if (rows[0]?.status !== 'CREATED') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  // The CLI's JSON export is the format `historyFromJSON` reads (the same as the Temporal UI's download).
  const cli = resolveTemporalCli(process.env.TEMPORAL_CLI);
  if (!cli) throw new Error('no Temporal CLI: run npm install');
  const args = [
    'workflow',
    'show',
    '--address',
    temporal.address,
    '-w',
    bookWorkflowId('acme', bookUuid),
    '--output',
    'json',
  ];
  const shown = spawnSync(cli, args, { encoding: 'utf8' });
  if (shown.status !== 0) throw new Error(shown.stderr);
  const file = fromRoot(`test/replay/histories/${name}.json`);
  writeFileSync(file, shown.stdout);
  console.log(`saved ${JSON.parse(shown.stdout).events.length} events to ${file}`);
  await connection.close();
  await close();
  await pool.end();
  await postgres.stop();
  await temporal.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
