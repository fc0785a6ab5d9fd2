// `npm run bench` (second part): a big book whose only endpoint is down, then comes back. Shows that deliveries stay
// within Temporal's per-execution limits (2,000 pending activities, 51,200 history events) however long the outage:
// it samples the delivery workflow's pending activities during the outage and prints the longest run's history,
// the time from the endpoint's return to the last delivery, and duplicates seen by the receiver. Every acknowledged
// result must end recorded and DELIVERED (compared in PostgreSQL and at the receiver), within the deadlines below,
// with no WorkflowTaskFailed / WorkflowTaskTimedOut in the book's and the delivery workflow's histories.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { endpointDeliveriesWorkflowId } from '../../workflows/endpoint-deliveries-contract.js';
import { Acknowledged } from './acknowledged.js';
import { listSome, stageDeadlineMs, timedStage } from './deadline.js';
import { benchNumber, expectStatus, fillBook, startBenchSystem } from './harness.js';
import { compareRecorded, describeMissing, waitUntilRecorded } from './recorded.js';
import { bookWorkflows, checkTaskFailures, taskFailureVerdict, type TaskFailures } from './task-failures.js';
import { runMain } from './shutdown.js';

const DOCS = benchNumber('BENCH_OUTAGE_DOCS', 10_000, 200);
const OUTAGE_MS = benchNumber('BENCH_OUTAGE_SECONDS', 60, 10) * 1000;
const CONCURRENCY = 32;
/**
 * Deadlines (BENCH_DEADLINE_SECONDS replaces both): filling the book, 60 s plus 50 ms per document (10,000: 560 s);
 * delivering everything once the endpoint is back, 120 s plus 20 ms per delivery (10,002: 320 s, twelve times the
 * measured 26 s). Past either the run fails, listing the deliveries not DELIVERED.
 */
const FILL_DEADLINE_MS = stageDeadlineMs(60_000 + 50 * DOCS);
const DRAIN_DEADLINE_MS = stageDeadlineMs(120_000 + 20 * (DOCS + 2));

async function main() {
  let up = false;
  const received = new Map<string, number>();
  const receiver = createServer((req, res) => {
    if (!up) return void res.writeHead(503).end('down');
    const id = String(req.headers['webhook-id']);
    received.set(id, (received.get(id) ?? 0) + 1);
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  // A day's outage compressed: the same retry machinery, on a schedule of seconds.
  const { call, client, pool, tenantId, stop } = await startBenchSystem({
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
    DELIVERY_RETRY_SCHEDULE: '0s,1s,2s,4s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s',
    DELIVERY_WINDOW: '1h',
  }).catch((err: unknown) => {
    receiver.close();
    throw err;
  });
  const acknowledged = new Acknowledged(tenantId);
  const checked: Array<{ stage: string; failures: TaskFailures }> = [];
  try {
    const explain = async () => describeMissing(await compareRecorded(pool, acknowledged));
    const { bookUuid, endpointId } = await timedStage(
      'outage: fill the book',
      FILL_DEADLINE_MS,
      async () => {
        const endpoint = await expectStatus(
          call('POST', '/v1/endpoints', {
            url: `http://127.0.0.1:${port}/hooks`,
            events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
          }),
          201,
        );
        const book = await expectStatus(call('POST', '/v1/books', { name: `Outage ${DOCS}` }), 201);
        const uuid = book.book_uuid as string;
        acknowledged.book(uuid);
        const docs = Array.from({ length: DOCS }, () => randomUUID());
        await fillBook(call, uuid, docs, CONCURRENCY, acknowledged);
        await expectStatus(call('POST', `/v1/books/${uuid}/seal`), 202);
        acknowledged.seal(uuid);
        return { bookUuid: uuid, endpointId: endpoint.id as string };
      },
      explain,
    );
    // The outage runs from here: every event of the book is waiting for the endpoint.
    const endpointWorkflow = client.workflow.getHandle(endpointDeliveriesWorkflowId(tenantId, endpointId, bookUuid));
    const maxPending = await timedStage('outage: endpoint down', OUTAGE_MS + 60_000, async () => {
      const outageStarted = Date.now();
      let pending = 0;
      while (Date.now() - outageStarted < OUTAGE_MS) {
        const description = await endpointWorkflow.describe().catch(() => undefined);
        pending = Math.max(pending, description?.raw.pendingActivities?.length ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return pending;
    });
    up = true;
    const back = Date.now();
    const expected = DOCS + 2;
    const stage = 'outage: endpoint back, every event delivered';
    await timedStage(
      stage,
      DRAIN_DEADLINE_MS,
      (deadline) =>
        waitUntilRecorded(pool, acknowledged, { stage, timeoutMs: deadline.left(), endpointIds: [endpointId] }),
      async () => describeMissing(await compareRecorded(pool, acknowledged, [endpointId])),
    );
    const drained = (Date.now() - back) / 1000;
    // What the receiver saw: every DELIVERED row must have reached it (ids are the events' own).
    const { rows: deliveredIds } = await pool.query<{ event_id: string }>(
      `select event_id from deliveries where tenant_id = $1 and endpoint_id = $2 and status = 'DELIVERED'`,
      [tenantId, endpointId],
    );
    const neverReceived = deliveredIds.map((row) => row.event_id).filter((id) => !received.has(id));
    console.log(
      `[${stage}] receiver: ${received.size}/${expected} events received; ` +
        listSome('DELIVERED in deliveries but never received', neverReceived),
    );
    if (received.size < expected || neverReceived.length > 0) {
      throw new Error(`${stage}: the receiver got ${received.size} of ${expected} events`);
    }
    checked.push({
      stage: 'outage',
      failures: await checkTaskFailures(client, 'outage', bookWorkflows(tenantId, [bookUuid]), {
        expectedIds: [bookWorkflowId(tenantId, bookUuid), endpointWorkflow.workflowId],
      }),
    });
    let runs = 0;
    let maxHistory = 0;
    for await (const run of client.workflow.list({ query: `WorkflowId = '${endpointWorkflow.workflowId}'` })) {
      runs += 1;
      maxHistory = Math.max(maxHistory, run.historyLength);
    }
    const repeats = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(
      `\noutage of ${OUTAGE_MS / 1000} s over a ${DOCS}-document book (${expected} deliveries to one endpoint):\n` +
        `  pending delivery activities during the outage: at most ${maxPending} (Temporal's limit 2,000)\n` +
        `  delivery workflow: ${runs} runs, longest history ${maxHistory} events (limit 51,200)\n` +
        `  all ${received.size} events delivered ${drained.toFixed(1)} s after the endpoint came back, ` +
        `${(received.size / drained).toFixed(0)} deliveries/s; ${repeats} repeats (same webhook-id)`,
    );
    taskFailureVerdict(checked);
  } finally {
    await stop();
    receiver.close();
  }
}

runMain(main);
