import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundle } from '@temporalio/worker';
import { apiLimits, createApp } from './api/app.js';
import { answerClientError } from './api/problem.js';
import { BookChangeHub } from './stream/book-change-hub.js';
import { allowHttpEndpoints, mailLimits, retentionAges, retryPolicy, type Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { Logger } from './logger.js';
import { startConfirmationSweeper } from './delivery/confirmations.js';
import { Mailer } from './delivery/mailer.js';
import { EndpointSender } from './delivery/send.js';
import { DestinationPolicy } from './delivery/ssrf.js';
import { temporalConnectionOptions } from './temporal/connection-options.js';
import { dataConverterOf } from './temporal/data-converter.js';
import { ensureSearchAttributes } from './temporal/search-attributes.js';
import { requestIdClientInterceptor } from './temporal/request-id.js';
import { startLapsedReadSweeper } from './temporal/log-nudges.js';
import { startOutboxSweeper } from './temporal/redeliveries.js';
import { ensureDigestSchedule } from './temporal/digest-schedule.js';
import { ensureRetentionSchedule } from './temporal/retention-schedule.js';
import { createBookWorker } from './temporal/worker.js';
import { bundleWorkflowsApart } from './temporal/workflow-bundle.js';
import { listenFailure } from './startup/ports.js';
import { StartupFailure } from './startup/failure.js';
import { Keyring } from './crypto/keyring.js';
import { sealClearSecrets } from './db/sealing.js';

/** How often a worker hands over redeliveries the API could not (see src/temporal/redeliveries.ts). */
const OUTBOX_SWEEP_MS = 2_000;

/**
 * The keyring of SECRET_KEYS (`npm start` fills it in when unset), once whatever rows still hold in clear are sealed
 * with it: every role does that on start, so whichever starts first after an upgrade leaves no secret in clear.
 */
async function secretKeyring(config: Config, pool: Pool): Promise<Keyring> {
  if (!config.SECRET_KEYS) throw new StartupFailure('SECRET_KEYS is not set: give every process the same keys.');
  const keyring = new Keyring(config.SECRET_KEYS);
  await sealClearSecrets(pool, keyring);
  return keyring;
}

/** A running role: `stop()` finishes in-flight work, then releases its connections. */
export interface Role {
  stop: () => Promise<void>;
}

export async function startWorkerRole(opts: {
  config: Config;
  temporalAddress: string;
  pool: Pool;
  logger: Logger;
  /** Tests bundle once for all their workers; a role bundles its own, in a child process. */
  workflowBundle?: WorkflowBundle;
}): Promise<Role> {
  const secrets = await secretKeyring(opts.config, opts.pool);
  const { worker, client, close } = await createBookWorker({
    ...temporalConnectionOptions(opts.config, opts.temporalAddress),
    namespace: opts.config.TEMPORAL_NAMESPACE,
    taskQueue: opts.config.TEMPORAL_TASK_QUEUE,
    dataConverter: dataConverterOf(opts.config),
    pool: opts.pool,
    historyLimit: opts.config.BOOK_HISTORY_LIMIT,
    delivery: {
      retryPolicy: retryPolicy(opts.config),
      timeoutMs: opts.config.DELIVERY_TIMEOUT,
      rateWaitMs: opts.config.DELIVERY_RATE_WAIT,
      direct: opts.config.DELIVERY_DIRECT === 'on',
      disableAfterMs: opts.config.DISABLE_AFTER,
      allowedHosts: opts.config.ENDPOINT_ALLOWED_HOSTS,
      smtpUrl: opts.config.SMTP_URL,
      mailFrom: opts.config.MAIL_FROM,
      publicUrl: opts.config.PUBLIC_URL,
      secrets,
    },
    workflowBundle: opts.workflowBundle ?? (await bundleWorkflowsApart()),
    cacheSize: opts.config.WORKFLOW_CACHE_SIZE,
  });
  await ensureRetentionSchedule(client, {
    taskQueue: opts.config.TEMPORAL_TASK_QUEUE,
    intervalMs: opts.config.RETENTION_INTERVAL,
    input: { ages: retentionAges(opts.config) },
  }).catch((err: unknown) =>
    // Books and deliveries do not need it: the worker runs, and says why nothing ages out.
    opts.logger.error({ err }, 'could not create or update the retention schedule; nothing is pruned until it exists'),
  );
  await ensureDigestSchedule(client, opts.config.TEMPORAL_TASK_QUEUE).catch((err: unknown) =>
    opts.logger.error({ err }, 'could not create or update the digest schedule; no daily digest goes until it exists'),
  );
  const sweeper = startOutboxSweeper(
    { pool: opts.pool, temporal: client, taskQueue: opts.config.TEMPORAL_TASK_QUEUE, logger: opts.logger },
    OUTBOX_SWEEP_MS,
  );
  // Results acknowledged under a promise to read the log whose signal never left (the API stopped in between).
  const nudges = startLapsedReadSweeper(
    { pool: opts.pool, temporal: client, taskQueue: opts.config.TEMPORAL_TASK_QUEUE, logger: opts.logger },
    OUTBOX_SWEEP_MS,
  );
  // Confirmation messages the API could not send (SMTP away, the API stopped): through the worker's own mail client.
  const { SMTP_URL, MAIL_FROM, DELIVERY_TIMEOUT } = opts.config;
  const confirmationMailer = SMTP_URL ? new Mailer(SMTP_URL, MAIL_FROM, DELIVERY_TIMEOUT) : undefined;
  const confirmations =
    confirmationMailer &&
    startConfirmationSweeper(
      {
        pool: opts.pool,
        taskQueue: opts.config.TEMPORAL_TASK_QUEUE,
        mailer: confirmationMailer,
        timeoutMs: DELIVERY_TIMEOUT,
        logger: opts.logger,
        secrets,
      },
      OUTBOX_SWEEP_MS,
    );
  const running = worker.run().finally(async () => {
    await sweeper.stop();
    await nudges.stop();
    await confirmations?.stop();
    confirmationMailer?.close();
    await close();
  });
  running.catch((err: unknown) => opts.logger.fatal({ err }, 'worker stopped unexpectedly'));
  opts.logger.info({ taskQueue: opts.config.TEMPORAL_TASK_QUEUE }, 'worker running');
  return {
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

export async function startApiRole(opts: {
  config: Config;
  temporalAddress: string;
  pool: Pool;
  logger: Logger;
}): Promise<Role & { url: string }> {
  const { config } = opts;
  const dataConverter = dataConverterOf(config);
  const secrets = await secretKeyring(config, opts.pool);
  const connection = await Connection.connect(temporalConnectionOptions(config, opts.temporalAddress));
  const added = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  if (added.length > 0) opts.logger.info({ added }, 'registered search attributes');
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter,
    interceptors: { workflow: [requestIdClientInterceptor] },
  });
  const destinations = new DestinationPolicy(config.ENDPOINT_ALLOWED_HOSTS);
  const sender = new EndpointSender(destinations);
  const mailer = config.SMTP_URL ? new Mailer(config.SMTP_URL, config.MAIL_FROM, config.DELIVERY_TIMEOUT) : undefined;
  const hub = new BookChangeHub(opts.pool, opts.logger);
  const bookDeps = {
    pool: opts.pool,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    historyLimit: config.BOOK_HISTORY_LIMIT,
  };
  // Confirmation links point at PUBLIC_URL, or else at this API's own address once it listens.
  let ownUrl = `http://${config.HOST}:${config.PORT}`;
  const app = createApp({
    ...bookDeps,
    logger: opts.logger,
    maxDocuments: config.BOOK_MAX_DOCUMENTS,
    stream: { hub, heartbeatMs: config.STREAM_HEARTBEAT_MS },
    console: { temporalUiUrl: config.TEMPORAL_UI_URL, temporalNamespace: config.TEMPORAL_NAMESPACE },
    idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL,
    secrets,
    metricsToken: config.METRICS_TOKEN,
    limits: apiLimits(config),
    endpoints: {
      destinations,
      sender,
      mailer,
      allowHttp: allowHttpEndpoints(config),
      timeoutMs: config.DELIVERY_TIMEOUT,
      rotationGraceMs: config.SECRET_ROTATION_GRACE,
      mailLimits: mailLimits(config),
      confirmationLinkBase: () => config.PUBLIC_URL ?? ownUrl,
      publicUrl: config.PUBLIC_URL,
    },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app
      .listen(config.PORT, config.HOST, () => resolve(listening))
      .once('error', (err) =>
        reject(listenFailure(err, { variable: 'PORT', port: config.PORT, given: true, host: config.HOST })),
      );
    listening.on('clientError', answerClientError);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}`;
  ownUrl = url;
  opts.logger.info({ url }, 'API listening');
  return {
    url,
    stop: async () => {
      // Stop accepting, end the open book streams (clients reconnect elsewhere with Last-Event-ID), let in-flight
      // requests finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      server.closeIdleConnections();
      await closed;
      await sender.close();
      mailer?.close();
      await connection.close();
    },
  };
}
