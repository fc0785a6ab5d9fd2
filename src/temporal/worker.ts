import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { Pool } from '../db/pool.js';
import type { RetryPolicy } from '../delivery/retry-schedule.js';
import { Mailer } from '../delivery/mailer.js';
import { WebhookSender } from '../delivery/send.js';
import { DestinationPolicy } from '../delivery/ssrf.js';
import { Client, Connection } from '@temporalio/client';

/** The workflow bundle's entry: TypeScript sources under tsx/vitest, compiled JavaScript under dist/. */
export function workflowsPath(): string {
  const candidates = ['../../workflows/index.ts', '../../workflows/index.js'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`bookbell: workflow sources not found at ${candidates.join(' or ')}`);
  return found;
}

export interface BookWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  /** Continue-as-new threshold of delivery workflows (BOOK_HISTORY_LIMIT). */
  historyLimit?: number | undefined;
  /** `allowedHosts`: private or local destinations webhooks may reach all the same (WEBHOOK_ALLOWED_HOSTS). */
  delivery: {
    retryPolicy: RetryPolicy;
    timeoutMs: number;
    disableAfterMs: number;
    allowedHosts: string[];
    smtpUrl?: string | undefined;
    mailFrom: string;
  };
  /** A pre-built bundle (tests build it once); otherwise the worker bundles `workflows/` at start. */
  workflowBundle?: WorkflowBundle;
}

/** A worker for bookbell's task queue; `run()` it, `shutdown()` it, then `close()` its connection. */
export async function createBookWorker(
  options: BookWorkerOptions,
): Promise<{ worker: Worker; close: () => Promise<void> }> {
  const connection = await NativeConnection.connect({ address: options.address });
  // Activities signal the delivery workflows through a client of their own.
  const clientConnection = await Connection.connect({ address: options.address });
  const sender = new WebhookSender(new DestinationPolicy(options.delivery.allowedHosts));
  const { smtpUrl, mailFrom } = options.delivery;
  const mailer = smtpUrl ? new Mailer(smtpUrl, mailFrom) : undefined;
  const close = async () => {
    mailer?.close();
    await sender.close();
    await clientConnection.close();
    await connection.close();
  };
  try {
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
      activities: createActivities({
        pool: options.pool,
        temporal: new Client({ connection: clientConnection, namespace: options.namespace }),
        taskQueue: options.taskQueue,
        historyLimit: options.historyLimit,
        delivery: {
          retryPolicy: options.delivery.retryPolicy,
          timeoutMs: options.delivery.timeoutMs,
          disableAfterMs: options.delivery.disableAfterMs,
          sender,
          mailer,
        },
      }),
    });
    return { worker, close };
  } catch (err) {
    await close();
    throw err;
  }
}
