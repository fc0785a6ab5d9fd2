import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { workflowInput } from '../../src/api/book-access.js';
import { insertBook } from '../../src/db/books.js';
import { listDigestAttempts } from '../../src/db/digests.js';
import { insertEndpoint } from '../../src/db/endpoints.js';
import { storeUpload } from '../../src/db/intake-admission.js';
import { storeVerificationResult } from '../../src/db/intake-results.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { Mailer } from '../../src/delivery/mailer.js';
import { DEFAULT_RETRY_POLICY } from '../../src/delivery/retry-schedule.js';
import { generateSecret } from '../../src/delivery/secrets.js';
import { EndpointSender } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';
import { digestId, localDay, wallTime } from '../../src/digests/digest-time.js';
import { createLogger } from '../../src/logger.js';
import { startBookWorkflow } from '../../src/temporal/books.js';
import {
  bookWorkflowId,
  SEARCH_ATTRIBUTES,
  sealSignal,
  uploadsSignal,
  verificationsSignal,
} from '../../workflows/book-contract.js';
import { DIGESTS_WORKFLOW_TYPE, type DigestsWorkflow } from '../../workflows/digest-contract.js';
import { startSmtpServer } from '../support/smtp.js';
import { testKeyring } from '../support/secret-keys.js';
import { workflowBundle } from '../support/system.js';

/**
 * Daily digests on Temporal's time-skipping test server: days pass in seconds, and each hourly run of the digest
 * schedule is the workflow the schedule starts (the test server has no schedules), run at the simulated time. Mails go
 * to a real SMTP server on loopback, which refuses the first digest once (451) to make it retry.
 */
const { IndexedValueType } = proto.temporal.api.enums.v1;
const TEST_SERVER = fileURLToPath(new URL('../../.temporal/bin/temporal-test-server', import.meta.url));
const ZONE = 'America/New_York';
const HOUR_MS = 3_600_000;

let env: TestWorkflowEnvironment;
let pool: Pool;
let worker: Worker;
let running: Promise<void>;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let mailer: Mailer;
const taskQueue = `daily-digest-${randomUUID().slice(0, 8)}`;
const tenantId = `t-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const bundle = await workflowBundle();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
    ),
  });
  pool = createPool(inject('databaseUrl'), createLogger('silent'));
  // The first digest is put off once; every other mail goes through.
  let digests = 0;
  smtp = await startSmtpServer((_, subject) => (subject.includes('digest') && digests++ === 0 ? 451 : undefined));
  mailer = new Mailer(smtp.url, 'bookbell <notify@bookbell.test>', 5_000);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      pool,
      temporal: env.client,
      taskQueue,
      delivery: {
        retryPolicy: DEFAULT_RETRY_POLICY,
        timeoutMs: 5_000,
        disableAfterMs: 86_400_000,
        sender: new EndpointSender(new DestinationPolicy(['127.0.0.1'])),
        mailer,
        secrets: testKeyring(),
      },
    }),
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  mailer?.close();
  await smtp?.close();
  await pool?.end();
  await env?.teardown();
});

/** A book run to its end by its real workflow: `results` one document each; returns once its events are recorded. */
async function finishedBook(name: string, results: Array<'SUCCEEDED' | 'FAILED'>) {
  const bookUuid = randomUUID();
  const { row } = await insertBook(pool, { tenantId, bookUuid, name, metadata: {} });
  await startBookWorkflow(env.client, taskQueue, workflowInput(row));
  const handle = env.client.workflow.getHandle(bookWorkflowId(tenantId, bookUuid));
  const docs: string[] = [];
  const signals = [];
  for (const [i, result] of results.entries()) {
    const docUuid = randomUUID();
    docs.push(docUuid);
    await storeUpload(pool, { tenantId, bookUuid, docUuid, name: `${name} ${i + 1}.pdf` }, 100);
    const reason = result === 'FAILED' ? 'Image unreadable' : undefined;
    const stored = await storeVerificationResult(pool, { tenantId, bookUuid, docUuid, result, reason }, 100);
    if (stored.kind !== 'stored') throw new Error('not stored');
    signals.push({ docUuid, result, resultId: stored.resultId, ...(reason ? { reason } : {}) });
  }
  await handle.signal(uploadsSignal, { docUuids: docs });
  await handle.signal(verificationsSignal, signals);
  await handle.signal(sealSignal);
  await handle.result();
}

/** A daily endpoint of the tenant at `hour` in ZONE, confirmed (as its address's link would) unless told. */
async function dailyEndpoint(email: string, hour: number, confirmed = true) {
  const id = randomUUID();
  await insertEndpoint(
    pool,
    {
      tenantId,
      id,
      email,
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE'],
      scheme: 'standard',
      secret: generateSecret('standard'),
      mailMode: 'daily',
      digestHour: hour,
      digestTimeZone: ZONE,
    },
    testKeyring(),
  );
  if (confirmed) await pool.query('update endpoints set confirmed_at = now() where id = $1', [id]);
  return id;
}

/** One run of the hourly digest schedule, now (in simulated time); returns the digests it started. */
const digestRun = () =>
  env.client.workflow.execute<DigestsWorkflow>(DIGESTS_WORKFLOW_TYPE, { taskQueue, workflowId: `run-${randomUUID()}` });

/** Simulated time until `hour`:05 in ZONE, at least an hour from now. */
async function untilNext(hour: number): Promise<number> {
  const now = await env.currentTimeMs();
  let at = Math.ceil((now + HOUR_MS) / HOUR_MS) * HOUR_MS + 5 * 60_000;
  while (wallTime(new Date(at), ZONE).hour !== hour) at += HOUR_MS;
  return at - now;
}

const digestMails = () => smtp.mails.filter((mail) => mail.subject.includes('digest'));

describe('daily digests', () => {
  it('sends one digest a day at its hour in its zone, with the events since the last one, retried, never twice', async () => {
    const now = new Date(await env.currentTimeMs());
    const hour = wallTime(new Date(now.getTime() + 3 * HOUR_MS), ZONE).hour;
    const endpointId = await dailyEndpoint('officer@lender.test', hour);
    await dailyEndpoint('unconfirmed@lender.test', hour, false);
    await finishedBook('Loans', ['SUCCEEDED', 'FAILED']);

    // Events are not mailed one by one, and nothing is sent before the hour.
    expect(await digestRun()).toEqual([]);
    expect(smtp.mails).toEqual([]);

    await env.sleep(await untilNext(hour));
    const at = new Date(await env.currentTimeMs());
    const id = digestId(endpointId, localDay(at, ZONE).compact);
    expect(await digestRun()).toEqual([id]);
    expect(await env.client.workflow.getHandle(id).result()).toBe('DELIVERED');
    // A second run within the hour, and the next hour's run, send nothing more.
    expect(await digestRun()).toEqual([]);
    await env.sleep(HOUR_MS);
    expect(await digestRun()).toEqual([]);

    const [mail, ...others] = digestMails();
    expect(others).toEqual([]);
    expect(mail?.to).toEqual(['officer@lender.test']);
    expect(mail?.subject).toBe(`bookbell daily digest for ${localDay(at, ZONE).iso}: 3 events`);
    const text = mail?.parts.find((part) => part.type === 'text/plain')?.body ?? '';
    expect(text).toContain('Documents verified or failed: 2');
    expect(text).toContain('Books complete: 1');
    expect(text).toContain("Document 'Loans 2.pdf' failed verification: Image unreadable");
    expect(text).toContain("Book 'Loans' is complete: 1 verified, 1 failed");
    expect(text).not.toContain('Analytics'); // not subscribed
    // Retried like a delivery, and logged attempt by attempt: the 451, then the one taken.
    const attempts = await listDigestAttempts(pool, tenantId, id);
    expect(attempts.map((a) => a.status_code)).toEqual([451, 250]);

    // The next day's digest holds the events since, and only those.
    await finishedBook('Leases', ['SUCCEEDED']);
    await env.sleep(await untilNext(hour));
    const nextAt = new Date(await env.currentTimeMs());
    const next = digestId(endpointId, localDay(nextAt, ZONE).compact);
    expect(await digestRun()).toEqual([next]);
    expect(await env.client.workflow.getHandle(next).result()).toBe('DELIVERED');
    expect(digestMails().map((m) => m.subject)).toEqual([
      `bookbell daily digest for ${localDay(at, ZONE).iso}: 3 events`,
      `bookbell daily digest for ${localDay(nextAt, ZONE).iso}: 2 events`,
    ]);
    // The unconfirmed address got nothing at all.
    expect(smtp.mails.flatMap((m) => m.to)).not.toContain('unconfirmed@lender.test');
  }, 300_000);
});
