import { NativeConnection, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Pool } from '../db/pool.js';
import type { RetryPolicy } from '../delivery/retry-schedule.js';
import { Mailer } from '../delivery/mailer.js';
import { EndpointSender } from '../delivery/send.js';
import { DestinationPolicy } from '../delivery/ssrf.js';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TemporalConnectionOptions } from './connection-options.js';
import { requestIdActivityInterceptor, requestIdClientInterceptor } from './request-id.js';

/**
 * The worker options bookbell runs with beyond the SDK's defaults; the benchmark's floor runs with the same ones, so
 * the two are measured alike (docs/benchmarks.md, "Tuning and notes", says what each did).
 */
export const WORKER_TUNING: Partial<WorkerOptions> = {
  // The SDK's defaults measured best here: more workflow-task slots and pollers (100 / 20), a second workflow thread
  // and eager activity dispatch changed nothing beyond noise on a 2-core machine, where CPU is the limit. What
  // moved bookbell past its floor was doing less per event (docs/benchmarks.md, "Tuning and notes").
  //
  // A task for a book this worker holds in memory waits this long for it before it goes to any worker (10 s by
  // default). Uploads are acknowledged without waiting for the book, so a burst over thousands of sleeping books
  // leaves a backlog: bounced after 10 s, a task became a WorkflowTaskTimedOut and a full replay elsewhere, which only
  // deepened the backlog (10,000 open books: 692 such timeouts). The price: when this worker dies, the books it held
  // wait up to this long for another one.
  stickyQueueScheduleToStartTimeout: '1 minute',
};

export interface BookWorkerOptions {
  address: string;
  /** TLS and API key for a secured cluster or Temporal Cloud (see connection-options.ts). */
  tls?: TemporalConnectionOptions['tls'];
  apiKey?: string | undefined;
  namespace: string;
  taskQueue: string;
  /** The codec every payload goes through (see data-converter.ts): the worker and its activities' client share it. */
  dataConverter: DataConverter;
  pool: Pool;
  /** Continue-as-new threshold of delivery workflows (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
  /** `allowedHosts`: exceptions to public-only destinations (ENDPOINT_ALLOWED_HOSTS, see DestinationPolicy). */
  delivery: {
    retryPolicy: RetryPolicy;
    timeoutMs: number;
    /** DELIVERY_RATE_WAIT: how long a delivery waits in its activity for its endpoint's rate limit. */
    rateWaitMs?: number | undefined;
    /** DELIVERY_DIRECT: first attempts made by the activity that records the events (deliver-directly.ts). */
    direct?: boolean | undefined;
    disableAfterMs: number;
    allowedHosts: string[];
    smtpUrl?: string | undefined;
    mailFrom: string;
    /** PUBLIC_URL: mails link to the console under it. */
    publicUrl?: string | undefined;
    /** SECRET_KEYS: opens the endpoints' signing secrets. */
    secrets: Keyring;
  };
  /** `workflows/` bundled with their interceptors (workflow-bundle.ts). */
  workflowBundle: WorkflowBundle;
  /** WORKFLOW_CACHE_SIZE: workflows kept in memory between their tasks. */
  cacheSize?: number | undefined;
}

/**
 * A worker for bookbell's task queue; `run()` it, `shutdown()` it, then `close()` its connections. `client` is the
 * Temporal client its activities use (the outbox sweep and the retention schedule use it too).
 */
export async function createBookWorker(
  options: BookWorkerOptions,
): Promise<{ worker: Worker; client: Client; close: () => Promise<void> }> {
  const target = {
    address: options.address,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  };
  const connection = await NativeConnection.connect(target);
  // Activities signal the delivery workflows through a client of their own.
  const clientConnection = await Connection.connect(target);
  const sender = new EndpointSender(new DestinationPolicy(options.delivery.allowedHosts));
  const { smtpUrl, mailFrom } = options.delivery;
  const mailer = smtpUrl ? new Mailer(smtpUrl, mailFrom, options.delivery.timeoutMs) : undefined;
  const client = new Client({
    connection: clientConnection,
    namespace: options.namespace,
    dataConverter: options.dataConverter,
    interceptors: { workflow: [requestIdClientInterceptor] },
  });
  const close = async () => {
    mailer?.close();
    await sender.close();
    await clientConnection.close();
    await connection.close();
  };
  try {
    const worker = await Worker.create({
      ...WORKER_TUNING,
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      dataConverter: options.dataConverter,
      // The bundle holds the workflow interceptors.
      workflowBundle: options.workflowBundle,
      interceptors: { activity: [requestIdActivityInterceptor] },
      ...(options.cacheSize === undefined ? {} : { maxCachedWorkflows: options.cacheSize }),
      activities: createActivities({
        pool: options.pool,
        temporal: client,
        taskQueue: options.taskQueue,
        historyLimit: options.historyLimit,
        delivery: {
          retryPolicy: options.delivery.retryPolicy,
          timeoutMs: options.delivery.timeoutMs,
          rateWaitMs: options.delivery.rateWaitMs,
          direct: options.delivery.direct,
          disableAfterMs: options.delivery.disableAfterMs,
          sender,
          mailer,
          secrets: options.delivery.secrets,
          publicUrl: options.delivery.publicUrl,
        },
      }),
    });
    return { worker, client, close };
  } catch (err) {
    await close();
    throw err;
  }
}
