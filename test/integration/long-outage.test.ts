import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { startBook } from '../../src/api/book-access.js';
import { insertBook } from '../../src/db/books.js';
import { insertEndpoint } from '../../src/db/endpoints.js';
import { generateSecret } from '../../src/delivery/secrets.js';
import { storeUpload } from '../../src/db/intake-admission.js';
import { storeVerificationResult } from '../../src/db/intake-results.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { DEFAULT_RETRY_POLICY } from '../../src/delivery/retry-schedule.js';
import { EndpointSender } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';
import { createLogger } from '../../src/logger.js';
import { endpointDeliveriesWorkflowId } from '../../workflows/endpoint-deliveries-contract.js';
import proto from '@temporalio/proto';
import {
  bookWorkflowId,
  SEARCH_ATTRIBUTES,
  sealSignal,
  uploadsSignal,
  verificationsSignal,
  type VerificationSignal,
} from '../../workflows/book-contract.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { workflowBundle } from '../support/system.js';
import { testDataConverter } from '../support/payload-keys.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { testKeyring } from '../support/secret-keys.js';

/**
 * A day without PostgreSQL, on Temporal's time-skipping test server: the book's activities fail and are retried all
 * day, and the book still finishes with a short history once the database is back. Retries of an activity are not
 * history events; this holds as long as no workflow code loops on a failure itself.
 */
const { IndexedValueType } = proto.temporal.api.enums.v1;
const TEST_SERVER = fileURLToPath(new URL('../../.temporal/bin/temporal-test-server', import.meta.url));

let env: TestWorkflowEnvironment;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let pool: Pool;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `long-outage-${randomUUID().slice(0, 8)}`;
const tenantId = `t-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  // Every failed attempt of the day would be logged as a warning.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const bundle = await workflowBundle();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER } },
    client: { dataConverter: testDataConverter() },
  });
  // The test server knows no custom search attribute until told (it answers no list of them, so ask it to add all).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
    ),
  });
  const database = new URL(inject('databaseUrl'));
  proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  database.hostname = '127.0.0.1';
  database.port = String(proxy.port);
  const logger = createLogger('silent');
  pool = createPool(database.toString(), logger);
  const destinations = new DestinationPolicy(['127.0.0.1']);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    dataConverter: testDataConverter(),
    workflowBundle: bundle,
    activities: createActivities({
      pool,
      temporal: env.client,
      taskQueue,
      delivery: {
        retryPolicy: DEFAULT_RETRY_POLICY,
        timeoutMs: 1000,
        disableAfterMs: 86_400_000,
        sender: new EndpointSender(destinations),
        secrets: testKeyring(),
      },
    }),
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await proxy?.stop();
  await pool?.end();
  await env?.teardown();
});

/** A book with `count` documents, each verified, stored and announced as the API does; returns its handle. */
async function bookWithResults(count: number, announce = true) {
  const bookUuid = randomUUID();
  const { row } = await insertBook(pool, { tenantId, bookUuid, name: 'Outage', metadata: {} });
  await startBook({ pool, temporal: env.client, taskQueue }, row);
  const handle = env.client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid));
  const docs = Array.from({ length: count }, () => randomUUID());
  const results: VerificationSignal[] = [];
  for (const docUuid of docs) {
    await storeUpload(pool, { tenantId, bookUuid, docUuid, name: `${docUuid}.pdf` }, 100);
    const stored = await storeVerificationResult(pool, { tenantId, bookUuid, docUuid, result: 'SUCCEEDED' }, 100);
    if (stored.kind !== 'stored') throw new Error('not stored');
    results.push({ docUuid, result: 'SUCCEEDED' as const, resultId: stored.resultId });
  }
  const send = async () => {
    await handle.signal(uploadsSignal, { docUuids: docs });
    await handle.signal(verificationsSignal, results);
    await handle.signal(sealSignal);
  };
  if (announce) await send();
  return { bookUuid, docs, handle, send };
}

describe('a day-long database outage', () => {
  it('leaves the book’s history short and loses nothing: the book completes once PostgreSQL is back', async () => {
    // Acknowledged while the database was up (the intake log holds them), announced as the database goes away.
    const { bookUuid, docs, handle, send } = await bookWithResults(3, false);
    await proxy.down();
    await send();

    await env.sleep('24 hours');
    await proxy.up();
    await handle.result();

    const { rows: events } = await pool.query<{ event_type: string }>(
      `select event_type from events where tenant_id = $1 and book_uuid = $2 order by seq`,
      [tenantId, bookUuid],
    );
    expect(events.map((event) => event.event_type)).toEqual([
      ...docs.map(() => 'VERIFICATION_COMPLETE'),
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);

    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).map((event) => event.activityTaskStartedEventAttributes?.attempt ?? 0);
    // The outage was real and long: one activity was tried hundreds of times (at most once a minute, for a day)...
    expect(Math.max(...attempts)).toBeGreaterThan(500);
    // ...and the whole run, quiet checks included, stayed far from Temporal's 51,200-event limit.
    expect(history.events?.length).toBeLessThan(200);
  }, 600_000);

  it('while deliveries retry: each event is delivered once, within minutes of the database coming back', async () => {
    let answer = 503;
    /** The webhook-id of every request answered with success: each event once, none sent again after it. */
    const succeeded: string[] = [];
    const receiver = await startReceiver((request) => {
      if (answer === 200) succeeded.push(String(request.headers['webhook-id']));
      return { status: answer };
    });
    try {
      const endpointId = randomUUID();
      await insertEndpoint(
        pool,
        {
          tenantId,
          id: endpointId,
          url: receiver.url,
          events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
          scheme: 'standard',
          secret: generateSecret('standard'),
        },
        testKeyring(),
      );
      const { bookUuid, handle } = await bookWithResults(2);
      await handle.result();
      // The receiver fails the first attempts, so the deliveries are on their retry schedule when the database goes.
      await eventually(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(4), 60_000);
      await proxy.down();
      answer = 200;
      await env.sleep('24 hours');
      await proxy.up();
      await env.sleep('3 minutes');

      await eventually(async () => {
        const { rows } = await pool.query<{ status: string }>(
          `select d.status from deliveries d join events e on e.tenant_id = d.tenant_id and e.event_id = d.event_id
           where d.tenant_id = $1 and e.book_uuid = $2`,
          [tenantId, bookUuid],
        );
        expect(rows.map((row) => row.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED']);
      }, 30_000);
      expect(succeeded).toHaveLength(4);
      expect(new Set(succeeded).size).toBe(4);

      // Retries during the outage are not history events: the endpoint workflow's run stays short.
      const endpointWorkflow = env.client.workflow.getHandle(
        endpointDeliveriesWorkflowId(tenantId, endpointId, bookUuid),
      );
      const history = await endpointWorkflow.fetchHistory();
      expect(history.events?.length).toBeLessThan(200);
    } finally {
      await receiver.close();
    }
  }, 600_000);
});
