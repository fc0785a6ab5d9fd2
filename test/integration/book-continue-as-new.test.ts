import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { RecordBookChangesInput } from '../../activities/record-book-changes.js';
import { bookWorkflowId, sealSignal, verificationSignal } from '../../workflows/book-contract.js';
import type { BookWorkflowInput } from '../../workflows/book-model.js';
import type { bookWorkflow } from '../../workflows/book-workflow.js';
import { signalUpload } from '../support/book-workflow.js';
import { testCodec, testDataConverter } from '../support/payload-keys.js';
import { workflowBundle } from '../support/system.js';

/**
 * The book workflow's loop against a real server, with recording stand-ins for its database activities: a history
 * limit far below the real one forces a continue-as-new with effects still pending at nearly every turn, which the
 * end-to-end tests only hit when timing lines up. (Finishing with an effect still pending, a bug once, fails it.)
 */
const taskQueue = `book-can-${randomUUID().slice(0, 8)}`;
const recorded: RecordBookChangesInput[] = [];
const analyzed: string[] = [];
let worker: Worker;
let running: Promise<void>;
let client: Client;
let connections: Array<{ close: () => Promise<void> }> = [];

beforeAll(async () => {
  const address = inject('temporalAddress');
  const bundle = await workflowBundle(); // installs the SDK runtime first
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  connections = [nativeConnection, connection];
  client = new Client({ connection, dataConverter: testDataConverter() });
  const slowly = () => new Promise((resolve) => setTimeout(resolve, 20));
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    dataConverter: testDataConverter(),
    workflowBundle: bundle,
    activities: {
      recordBookStatus: () => Promise.resolve(),
      // Slow enough that signals pile up behind each batch and travel with continue-as-new.
      recordBookChanges: async (input: RecordBookChangesInput) => {
        await slowly();
        recorded.push(input);
        // As the real activity: the analytics, then ANALYTICS_COMPLETED, when the book asks for them with the batch.
        if (input.analytics) {
          analyzed.push(input.bookUuid);
          recorded.push({ ...input, ...input.analytics });
        }
        return {};
      },
      analyzeBook: async ({ bookUuid }: { bookUuid: string }) => {
        await slowly();
        analyzed.push(bookUuid);
      },
      // Every message here reaches the book (test/integration/book-reconcile.test.ts loses some on purpose).
      findUnappliedIntake: () => Promise.resolve({ results: [], uploads: [], sealRequested: false }),
      markBookContinuing: () => Promise.resolve(),
      recordSealRequest: () => Promise.resolve(),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  for (const connection of connections) await connection.close();
});

describe('book workflow under constant continue-as-new', () => {
  it('records every event exactly once, in order, and finishes only after ANALYTICS_COMPLETED', async () => {
    const bookUuid = randomUUID();
    const tenantId = 'can-test';
    const handle = await client.workflow.start<typeof bookWorkflow>('bookWorkflow', {
      taskQueue,
      workflowId: bookWorkflowId(tenantId, bookUuid),
      args: [{ tenantId, bookUuid, name: 'CAN', metadata: {}, createdAt: new Date().toISOString(), historyLimit: 40 }],
    });
    const docs = Array.from({ length: 120 }, () => randomUUID());
    // Spread over a few seconds, so that the traffic spans several hand-overs (each waits a second for signals on
    // their way), a result often lands while its upload's effects are still pending.
    for (const [i, docUuid] of docs.entries()) {
      await signalUpload(handle, docUuid);
      await handle.signal(verificationSignal, { docUuid, result: i % 7 === 0 ? 'FAILED' : 'SUCCEEDED' });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await handle.signal(sealSignal);
    const final = await handle.result();

    expect(final.status).toBe('ANALYTICS_COMPLETE');
    const events = recorded.filter((r) => r.bookUuid === bookUuid).flatMap((r) => r.events);
    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const verified = events.filter((e) => e.type === 'VERIFICATION_COMPLETE').map((e) => e.docUuid);
    expect(new Set(verified)).toEqual(new Set(docs));
    expect(events.filter((e) => e.type !== 'VERIFICATION_COMPLETE').map((e) => e.type)).toEqual([
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(events.at(-1)?.type).toBe('ANALYTICS_COMPLETED');
    expect(analyzed.filter((id) => id === bookUuid)).toHaveLength(1);

    // It did continue as new, many times, and effects travelled in the inputs.
    let carried = 0;
    let runs = 1;
    for (let runId: string | undefined = handle.firstExecutionRunId; runId !== undefined; runs++) {
      const history: temporal.api.history.v1.IHistory = await client.workflow
        .getHandle(handle.workflowId, runId)
        .fetchHistory();
      const continued = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      if (!continued) break;
      // Stored sealed (the roles' codec), as every payload: open it first.
      const [input] = await testCodec().decode([continued.input?.payloads?.[0] as Payload]);
      const next = defaultPayloadConverter.fromPayload<BookWorkflowInput>(input!);
      carried += next.carriedEffects?.length ?? 0;
      runId = continued.newExecutionRunId ?? undefined;
    }
    // At least two hand-overs: how many depends on how many signals each workflow task takes (fewer on a busy
    // machine, where they batch up); what matters is that effects travelled in the inputs.
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(carried).toBeGreaterThan(0);
  });
});
