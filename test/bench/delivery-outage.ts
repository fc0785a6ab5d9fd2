// `npm run bench` (second part): a big book whose only endpoint is down, then comes back. Shows that deliveries stay
// within Temporal's per-execution limits (2,000 pending activities, 51,200 history events) however long the outage:
// it samples the delivery workflow's pending activities during the outage and prints the longest run's history,
// the time from the endpoint's return to the last delivery, and duplicates seen by the receiver.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { endpointDeliveriesWorkflowId } from '../../workflows/endpoint-deliveries-contract.js';
import { benchNumber, expectStatus, fillBook, startBenchSystem } from './harness.js';

const DOCS = benchNumber('BENCH_OUTAGE_DOCS', 10_000, 200);
const OUTAGE_MS = benchNumber('BENCH_OUTAGE_SECONDS', 60, 10) * 1000;
const CONCURRENCY = 32;

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
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    DELIVERY_RETRY_SCHEDULE: '0s,1s,2s,4s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s',
    DELIVERY_WINDOW: '1h',
  });
  try {
    const endpoint = await expectStatus(
      call('POST', '/v1/webhooks', {
        url: `http://127.0.0.1:${port}/hooks`,
        events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
      }),
      201,
    );
    const book = await expectStatus(call('POST', '/v1/books', { name: `Outage ${DOCS}` }), 201);
    const bookUuid = book.book_uuid as string;
    const docs = Array.from({ length: DOCS }, () => randomUUID());
    await fillBook(call, bookUuid, docs, CONCURRENCY);
    await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
    // The outage runs from here: every event of the book is waiting for the endpoint.
    const outageStarted = Date.now();

    const mailbox = client.workflow.getHandle(endpointDeliveriesWorkflowId(tenantId, endpoint.id as string, bookUuid));
    let maxPending = 0;
    while (Date.now() - outageStarted < OUTAGE_MS) {
      const description = await mailbox.describe().catch(() => undefined);
      maxPending = Math.max(maxPending, description?.raw.pendingActivities?.length ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    up = true;
    const back = Date.now();
    const expected = DOCS + 2;
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from deliveries where tenant_id = $1 and status = 'DELIVERED'`,
        [tenantId],
      );
      if ((rows[0]?.n ?? 0) >= expected) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const drained = (Date.now() - back) / 1000;
    let runs = 0;
    let maxHistory = 0;
    for await (const run of client.workflow.list({ query: `WorkflowId = '${mailbox.workflowId}'` })) {
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
  } finally {
    await stop();
    receiver.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
