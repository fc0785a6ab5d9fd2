// Records book workflow histories for the replay tests:
//   npx tsx test/replay/record-history.ts <scenario> <name>
// Runs a dev server and a worker, drives one representative book through the workflow's own messages, and saves
// test/replay/histories/<name>.json. Scenarios: complete-book (uploads, an early result, a duplicate, a failure,
// seal, analytics), seal-after-book (sealed by its own timer, an upload arriving after the seal), counted-book
// (uploads never announced, counted by the results and the seal), quiet-seal-book (seal_after postponed by an upload
// found in the log), continued-book (the
// first run of a book that continued as new), continued-book-last-run (its last run, begun from the carried state), delivered-book (the delivery workflow of one endpoint for a whole
// book), retried-delivery (that workflow taking the retries of first attempts the recording activity made), held-delivery (the delivery workflow of a paused endpoint: its deliveries held, then released by a resume),
// retention (the retention workflow pruning one finished book aged past its retention), digests (the hourly digest
// run). Never edit recorded files.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { storeSealRequest, storeUpload } from '../../src/db/intake-admission.js';
import { storeVerificationResult } from '../../src/db/intake-results.js';
import { promiseRead } from '../../src/db/log-reads.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { reopenDeliveries } from '../../src/db/reopened-deliveries.js';
import { updateEndpoint } from '../../src/db/endpoints.js';
import { DEFAULT_RETRY_POLICY } from '../../src/delivery/retry-schedule.js';
import { createLogger } from '../../src/logger.js';
import { fromRoot } from '../../src/paths.js';
import { startBookWorkflow } from '../../src/temporal/books.js';
import { reopenAndHandOver } from '../../src/temporal/redeliveries.js';
import { resolveTemporalCli, startTemporal } from '../../src/temporal/server.js';
import { createBookWorker } from '../../src/temporal/worker.js';
import { bundleWorkflows } from '../../src/temporal/workflow-bundle.js';
import {
  BOOK_GENERATION,
  bookStateQuery,
  bookWorkflowId,
  sealSignal,
  uploadDocumentUpdate,
  uploadsSignal,
  verificationSignal,
  verificationsSignal,
} from '../../workflows/book-contract.js';
import { endpointDeliveriesWorkflowId } from '../../workflows/endpoint-deliveries-contract.js';
import { digestScheduleId, DIGESTS_WORKFLOW_TYPE } from '../../workflows/digest-contract.js';
import { retentionScheduleId, RETENTION_WORKFLOW_TYPE } from '../../workflows/retention-contract.js';
import { startTestPostgres } from '../support/postgres.js';
import { testKeyring } from '../support/secret-keys.js';

/** Drives the book; returns the id of the workflow to record when it is not the book's own. */
type Scenario = (
  handle: WorkflowHandle,
  context: { pool: Pool; bookUuid: string; client: Client },
) => Promise<string | void>;

const fields = {
  account_id: 'CHK-1',
  period_start: '2026-01-01',
  period_end: '2026-01-31',
  starting_balance: 10000,
  ending_balance: 12000,
  total_deposits: 5000,
  total_withdrawals: 3000,
  nsf_count: 0,
};

const TASK_QUEUE = 'record';

/** An upload as the API stores it (the intake log), with no signal: since, uploads wake no book. */
async function storeRecordedUpload(pool: Pool, bookUuid: string, docUuid: string): Promise<void> {
  await storeUpload(pool, { tenantId: 'acme', bookUuid, docUuid, name: `${docUuid}.pdf` }, 10_000);
}

/** A receiver answering 200 on loopback and an endpoint of tenant acme for it, subscribed to every book event. */
async function endpoint(pool: Pool, active: boolean) {
  const receiver = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  const endpointId = randomUUID();
  await pool.query(
    `insert into endpoints (tenant_id, id, url, events, signature_scheme, secret, active)
     values ('acme', $1, $2, '{VERIFICATION_COMPLETE,BOOK_COMPLETE,ANALYTICS_COMPLETED}', 'standard', $3, $4)`,
    [endpointId, `http://127.0.0.1:${port}/hook`, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', active],
  );
  return { endpointId, close: () => receiver.close() };
}

/** A receiver answering 500 to the first request of each event and 200 to every repeat, and an endpoint for it. */
async function flakyEndpoint(pool: Pool) {
  const seen = new Set<string>();
  const receiver = createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    res.statusCode = seen.has(id) ? 200 : 500;
    seen.add(id);
    res.end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  const endpointId = randomUUID();
  await pool.query(
    `insert into endpoints (tenant_id, id, url, events, signature_scheme, secret, active)
     values ('acme', $1, $2, '{VERIFICATION_COMPLETE,BOOK_COMPLETE,ANALYTICS_COMPLETED}', 'standard', $3, true)`,
    [endpointId, `http://127.0.0.1:${port}/hook`, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  );
  return { endpointId, close: () => receiver.close() };
}

/** A receiver that holds its first request `holdMs` (and so the recording that made it), and an endpoint for it. */
async function heldEndpoint(pool: Pool, holdMs: number) {
  let requests = 0;
  const receiver = createServer((_req, res) => {
    requests += 1;
    setTimeout(() => res.end('ok'), requests === 1 ? holdMs : 0);
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  await pool.query(
    `insert into endpoints (tenant_id, id, url, events, signature_scheme, secret, active)
     values ('acme', $1, $2, '{VERIFICATION_COMPLETE,BOOK_COMPLETE,ANALYTICS_COMPLETED}', 'standard', $3, true)`,
    [randomUUID(), `http://127.0.0.1:${port}/hook`, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  );
  return { requests: () => requests, close: () => receiver.close() };
}

interface ScenarioOptions {
  historyLimit?: number;
  sealAfterMs?: number;
  direct?: boolean;
  /** Record the book's last run, not its first (a continued book's run that began from a carried state). */
  lastRun?: boolean;
  run: Scenario;
}

/** A book that continues as new: 80 uploads and results, each its own signal, past a history limit of 200. */
const continuedBook: Scenario = async (handle) => {
  const docs = Array.from({ length: 80 }, () => randomUUID());
  for (const docUuid of docs) await handle.signal(uploadsSignal, { docUuids: [docUuid] });
  for (const docUuid of docs) await handle.signal(verificationSignal, { docUuid, result: 'SUCCEEDED' });
  await handle.signal(sealSignal);
  await handle.result();
};

const scenarios: Record<string, ScenarioOptions> = {
  'retried-delivery': {
    // First attempts made by the recording activity (DELIVERY_DIRECT): each fails once, so its retries are handed
    // to the endpoint's delivery workflow with their delay and attempt count, and later events wait behind them.
    direct: true,
    run: async (handle, { pool, bookUuid }) => {
      const { endpointId, close } = await flakyEndpoint(pool);
      const docUuid = randomUUID();
      await handle.signal(uploadsSignal, { docUuids: [docUuid] });
      await handle.signal(verificationSignal, { docUuid, result: 'SUCCEEDED' });
      await handle.signal(sealSignal);
      await handle.result();
      const endpointWorkflow = endpointDeliveriesWorkflowId('acme', endpointId, bookUuid);
      const delivered = async () =>
        (await pool.query(`select 1 from deliveries where endpoint_id = $1 and status = 'DELIVERED'`, [endpointId]))
          .rowCount ?? 0;
      for (let i = 0; i < 300 && (await delivered()) < 3; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await handle.client.getHandle(endpointWorkflow).result();
      close();
      return endpointWorkflow;
    },
  },
  'held-delivery': {
    // A paused endpoint: VERIFICATION_COMPLETE is held, BOOK_COMPLETE and ANALYTICS_COMPLETED wait behind it; the
    // resume releases all three (through the outbox hand-over), delivered in order.
    run: async (handle, { pool, bookUuid, client }) => {
      const paused = await endpoint(pool, false);
      const docUuid = randomUUID();
      await handle.executeUpdate(uploadDocumentUpdate, { args: [{ docUuid }] });
      await handle.signal(verificationSignal, { docUuid, result: 'SUCCEEDED' });
      await handle.signal(sealSignal);
      await handle.result();
      const held = async () =>
        (await pool.query(`select 1 from deliveries where endpoint_id = $1 and status = 'HELD'`, [paused.endpointId]))
          .rowCount ?? 0;
      for (let i = 0; i < 100 && (await held()) < 3; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const target = { tenantId: 'acme', endpointId: paused.endpointId };
      const deps = { pool, temporal: client, taskQueue: TASK_QUEUE, logger: createLogger('silent') };
      await reopenAndHandOver(deps, target, async (client) => {
        await updateEndpoint(client, 'acme', paused.endpointId, { active: true });
        return { reopened: await reopenDeliveries(client, 'acme', { ...target, held: true }) };
      });
      const endpointWorkflow = endpointDeliveriesWorkflowId('acme', paused.endpointId, bookUuid);
      await handle.client.getHandle(endpointWorkflow).result();
      paused.close();
      return endpointWorkflow;
    },
  },
  'delivered-book': {
    // The delivery workflow of one endpoint: two VERIFICATION_COMPLETE, then BOOK_COMPLETE, then ANALYTICS_COMPLETED.
    run: async (handle, { pool, bookUuid }) => {
      const { endpointId, close } = await endpoint(pool, true);
      for (const docUuid of [randomUUID(), randomUUID()]) {
        await handle.executeUpdate(uploadDocumentUpdate, { args: [{ docUuid }] });
        await handle.signal(verificationSignal, { docUuid, result: 'SUCCEEDED' });
      }
      await handle.signal(sealSignal);
      await handle.result();
      const endpointWorkflow = endpointDeliveriesWorkflowId('acme', endpointId, bookUuid);
      await handle.client.getHandle(endpointWorkflow).result();
      close();
      return endpointWorkflow;
    },
  },
  'complete-book': {
    run: async (handle) => {
      const [a, b, early] = [randomUUID(), randomUUID(), randomUUID()];
      await handle.signal(verificationSignal, { docUuid: early, result: 'SUCCEEDED' });
      await handle.signal(uploadsSignal, { docUuids: [a, b] });
      await handle.signal(verificationSignal, { docUuid: a, result: 'SUCCEEDED', fields });
      await handle.signal(verificationSignal, { docUuid: a, result: 'FAILED', reason: 'late' });
      await handle.signal(sealSignal);
      await handle.signal(verificationSignal, { docUuid: b, result: 'FAILED', reason: 'blurry' });
      await handle.result();
    },
  },
  'seal-after-book': {
    // Sealed by its own timer (the seal is logged first), and an upload logged before the seal that reaches it after.
    sealAfterMs: 1500,
    run: async (handle) => {
      const [a, b, late] = [randomUUID(), randomUUID(), randomUUID()];
      await handle.signal(uploadsSignal, { docUuids: [a, b] });
      await handle.signal(verificationSignal, { docUuid: a, result: 'SUCCEEDED', fields });
      for (let i = 0; i < 100 && (await handle.query(bookStateQuery)).status === 'UPLOAD'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await handle.signal(uploadsSignal, { docUuids: [late] });
      await handle.signal(verificationSignal, { docUuid: b, result: 'FAILED', reason: 'blurry' });
      await handle.signal(verificationSignal, { docUuid: late, result: 'SUCCEEDED' });
      await handle.result();
    },
  },
  'counted-book': {
    // Uploads stored in the log and never announced (they wake no book): the results and the seal say how many
    // documents the log holds, the first result before the book knows any, the last after the seal.
    run: async (handle, { pool, bookUuid }) => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      for (const docUuid of [a, b, c]) await storeRecordedUpload(pool, bookUuid, docUuid);
      await handle.signal(verificationSignal, { docUuid: a, result: 'SUCCEEDED', fields, documents: 3 });
      await handle.signal(verificationsSignal, [{ docUuid: b, result: 'FAILED', reason: 'blurry', documents: 3 }]);
      const { documents } = await storeSealRequest(pool, 'acme', bookUuid);
      await handle.signal(sealSignal, { documents });
      await handle.signal(verificationSignal, { docUuid: c, result: 'SUCCEEDED', documents: 3 });
      await handle.result();
    },
  },
  'quiet-seal-book': {
    // seal_after 1.5 s: an upload a second after the last result wakes no book, so the timer finds it in the log and
    // waits out the rest of the quiet time before it seals.
    sealAfterMs: 1500,
    run: async (handle, { pool, bookUuid }) => {
      const [a, late] = [randomUUID(), randomUUID()];
      await storeRecordedUpload(pool, bookUuid, a);
      await handle.signal(verificationSignal, { docUuid: a, result: 'SUCCEEDED', documents: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await storeRecordedUpload(pool, bookUuid, late);
      for (let i = 0; i < 100 && (await handle.query(bookStateQuery)).status === 'UPLOAD'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await handle.signal(verificationSignal, { docUuid: late, result: 'SUCCEEDED', documents: 2 });
      await handle.result();
    },
  },
  'read-book': {
    // As the API does since: the first result wakes the book by signal after the promise of a read; the others and
    // the seal, stored while the recording is held at the receiver, are read from the log at its end.
    direct: true,
    run: async (handle, { pool, bookUuid }) => {
      const held = await heldEndpoint(pool, 1500);
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      for (const docUuid of [a, b, c]) await storeRecordedUpload(pool, bookUuid, docUuid);
      const store = (docUuid: string, result: 'SUCCEEDED' | 'FAILED') =>
        storeVerificationResult(pool, { tenantId: 'acme', bookUuid, docUuid, result, fields }, 10_000);
      const wake = async (docUuid: string) => {
        const stored = await store(docUuid, 'SUCCEEDED');
        if (stored.kind !== 'stored' || stored.reading) throw new Error(`expected to wake the book: ${stored.kind}`);
        await promiseRead(pool, 'acme', bookUuid, TASK_QUEUE);
        const { resultId, documents } = stored;
        await handle.signal(verificationSignal, { docUuid, result: 'SUCCEEDED', resultId, documents });
      };
      await wake(a);
      for (let i = 0; i < 100 && held.requests() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const unsignalled = [
        await store(b, 'FAILED'),
        await store(c, 'SUCCEEDED'),
        await storeSealRequest(pool, 'acme', bookUuid),
      ];
      if (!unsignalled.every((stored) => 'reading' in stored && stored.reading)) throw new Error('expected a read');
      for (let i = 0; i < 100 && (await handle.query(bookStateQuery)).status === 'UPLOAD'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await handle.result();
      held.close();
    },
  },
  'burst-book': {
    // A burst to a quiet book (generation 4): the first result's store found no promise; the API promised and, before
    // its signal went, two more results and the seal were stored under the promise. The first recording finds them in
    // the log and defers its batch: the next records all three results together.
    direct: true,
    run: async (handle, { pool, bookUuid }) => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      for (const docUuid of [a, b, c]) await storeRecordedUpload(pool, bookUuid, docUuid);
      const store = (docUuid: string) =>
        storeVerificationResult(pool, { tenantId: 'acme', bookUuid, docUuid, result: 'SUCCEEDED', fields }, 10_000);
      const first = await store(a);
      if (first.kind !== 'stored' || first.reading) throw new Error(`expected to wake the book: ${first.kind}`);
      await promiseRead(pool, 'acme', bookUuid, TASK_QUEUE);
      const unsignalled = [await store(b), await store(c), await storeSealRequest(pool, 'acme', bookUuid)];
      if (!unsignalled.every((stored) => 'reading' in stored && stored.reading)) throw new Error('expected a read');
      const { resultId, documents } = first;
      await handle.signal(verificationSignal, { docUuid: a, result: 'SUCCEEDED', resultId, documents });
      await handle.result();
    },
  },
  retention: {
    run: async (handle, { pool, bookUuid }) => {
      const docUuid = randomUUID();
      await handle.signal(uploadsSignal, { docUuids: [docUuid] });
      await handle.signal(verificationSignal, { docUuid, result: 'SUCCEEDED', fields });
      await handle.signal(sealSignal);
      await handle.result();
      await pool.query(`update books set analyzed_at = analyzed_at - interval '100 days' where book_uuid = $1`, [
        bookUuid,
      ]);
      const workflowId = retentionScheduleId('record');
      const day = 86_400_000;
      const ages = {
        deliveryAttemptsMs: 30 * day,
        idempotencyKeysMs: day,
        changeLogMs: 3 * day,
        operationalEventsMs: 90 * day,
        finishedBooksMs: 90 * day,
      };
      await handle.client.start(RETENTION_WORKFLOW_TYPE, {
        taskQueue: 'record',
        workflowId,
        args: [{ ages, batchSize: 2 }],
      });
      return workflowId;
    },
  },
  digests: {
    run: async (handle, { client }) => {
      await handle.signal(sealSignal);
      await handle.result();
      // The hourly digest run (what the digest schedule starts), with no daily endpoint due.
      const workflowId = digestScheduleId('record');
      await client.workflow.start(DIGESTS_WORKFLOW_TYPE, { taskQueue: 'record', workflowId, args: [] });
      return workflowId;
    },
  },
  'continued-book': { historyLimit: 200, run: continuedBook },
  'continued-book-last-run': { historyLimit: 200, lastRun: true, run: continuedBook },
};

async function main() {
  const [scenarioName, name] = process.argv.slice(2);
  const scenario = scenarios[scenarioName ?? ''];
  if (!scenario || !name) throw new Error(`usage: record-history.ts <${Object.keys(scenarios).join('|')}> <name>`);
  const temporal = await startTemporal({ namespace: 'default' });
  const postgres = await startTestPostgres().catch(async (err: unknown) => {
    await temporal.stop();
    throw err;
  });
  const pool = createPool(postgres.url, createLogger('silent'));
  // Whatever happens, the servers stop: a failed recording must not leave them running.
  try {
    await record(scenario, name, temporal.address, pool);
  } finally {
    await pool.end();
    await postgres.stop();
    await temporal.stop();
  }
}

async function record(scenario: ScenarioOptions, name: string, address: string, pool: Pool) {
  const temporal = { address };
  await migrate(pool);
  const taskQueue = TASK_QUEUE;
  const { worker, close } = await createBookWorker({
    address: temporal.address,
    namespace: 'default',
    taskQueue,
    // Recorded in the clear, so they replay in the repository without a key (the codec passes plain payloads through).
    dataConverter: {},
    pool,
    delivery: {
      retryPolicy: DEFAULT_RETRY_POLICY,
      timeoutMs: 15_000,
      disableAfterMs: 5 * 86_400_000,
      allowedHosts: ['127.0.0.1'],
      mailFrom: 'bookbell@test',
      secrets: testKeyring(),
      direct: scenario.direct ?? false,
    },
    workflowBundle: await bundleWorkflows(),
  });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const bookUuid = randomUUID();
  const workflowId = bookWorkflowId('acme', bookUuid);
  let recorded = workflowId;
  await worker.runUntil(async () => {
    await pool.query(`insert into books (tenant_id, book_uuid, name) values ('acme', $1, 'Recorded book')`, [bookUuid]);
    await startBookWorkflow(client, taskQueue, {
      tenantId: 'acme',
      bookUuid,
      name: 'Recorded book',
      metadata: {},
      createdAt: new Date().toISOString(),
      // As the API starts books (workflowInput in src/api/book-access.ts).
      tenantScopedEventIds: true,
      generation: BOOK_GENERATION,
      ...(scenario.historyLimit ? { historyLimit: scenario.historyLimit } : {}),
      ...(scenario.sealAfterMs ? { sealAfterMs: scenario.sealAfterMs } : {}),
    });
    recorded = (await scenario.run(client.workflow.getHandle(workflowId), { pool, bookUuid, client })) ?? workflowId;
    await client.workflow.getHandle(recorded).result();
  });
  // The first run (for a continued book, the one that ends in continue-as-new), or the last when asked.
  const description = await client.workflow.getHandle(recorded).describe();
  const runId = scenario.lastRun
    ? description.runId
    : (description.raw.workflowExecutionInfo?.firstRunId ?? description.runId);
  // The CLI's JSON export is the format `historyFromJSON` reads (the same as the Temporal UI's download).
  const cli = resolveTemporalCli(process.env.TEMPORAL_CLI);
  if (!cli) throw new Error('no Temporal CLI: run npm install');
  const args = ['workflow', 'show', '--address', temporal.address, '-w', recorded, '-r', runId];
  const shown = spawnSync(cli, [...args, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (shown.status !== 0) throw new Error(shown.stderr);
  const file = fromRoot(`test/replay/histories/${name}.json`);
  writeFileSync(file, shown.stdout);
  console.log(`saved ${(JSON.parse(shown.stdout) as { events: unknown[] }).events.length} events to ${file}`);
  await connection.close();
  await close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
