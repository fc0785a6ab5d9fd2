import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FindUnappliedIntakeInput } from '../../activities/intake.js';
import type { RecordBookChangesInput } from '../../activities/record-book-changes.js';
import type { VerificationResult } from '../../src/contract/book.js';
import type { UnappliedIntake } from '../../src/db/unapplied-intake.js';
import { bookWorkflowId, sealSignal, verificationsSignal } from '../../workflows/book-contract.js';
import type { BookWorkflowInput } from '../../workflows/book-model.js';
import { eventId } from '../../workflows/book-state.js';
import type { bookWorkflow } from '../../workflows/book-workflow.js';
import { signalUpload } from '../support/book-workflow.js';
import { testDataConverter } from '../support/payload-keys.js';
import { workflowBundle } from '../support/system.js';

/**
 * The book workflow against real servers with its database activities replaced by an in-memory PostgreSQL that keeps
 * the intake log and the recorded events the way the real tables do (events deduped by id). Some acknowledged messages
 * are stored but never signalled — what a signal Temporal took but the workflow never applied looks like — and the
 * book must still record exactly one event per document and never BOOK_COMPLETE before them.
 */
class Store {
  results = new Map<string, Array<{ result: VerificationResult; resultId: string }>>();
  uploads = new Set<string>();
  sealRequested = false;
  /** Event ids in the order they were first recorded. */
  recorded: string[] = [];
  recordCalls = 0;
  missingAtComplete: string[] = [];
  checks = 0;
  private nextId = 1;

  storeResult(docUuid: string, result: VerificationResult): string {
    const resultId = String(this.nextId++);
    this.results.set(docUuid, [...(this.results.get(docUuid) ?? []), { result, resultId }]);
    return resultId;
  }

  private hasEvent(docUuid: string, bookUuid: string) {
    return this.recorded.includes(eventId(bookUuid, 'VERIFICATION_COMPLETE', docUuid));
  }

  record(input: RecordBookChangesInput) {
    this.recordCalls += 1;
    for (const event of input.events) {
      if (event.type === 'BOOK_COMPLETE') {
        for (const docUuid of this.results.keys()) {
          if (!this.hasEvent(docUuid, input.bookUuid)) this.missingAtComplete.push(docUuid);
        }
      }
      if (!this.recorded.includes(event.eventId)) this.recorded.push(event.eventId);
    }
  }

  unapplied(input: FindUnappliedIntakeInput): UnappliedIntake {
    this.checks += 1;
    const results = [...this.results].flatMap(([docUuid, rows]) =>
      this.hasEvent(docUuid, input.bookUuid) ? [] : rows.map((row) => ({ docUuid, ...row })),
    );
    const uploads = input.uploads
      ? [...this.uploads].filter((d) => !this.results.has(d) && !this.hasEvent(d, input.bookUuid))
      : [];
    return { results, uploads, sealRequested: this.sealRequested };
  }
}

const stores = new Map<string, Store>();
const storeOf = (bookUuid: string) => stores.get(bookUuid) as Store;
const activities = {
  recordBookStatus: () => Promise.resolve(),
  recordBookChanges: async (input: RecordBookChangesInput) => {
    await new Promise((resolve) => setTimeout(resolve, 10)); // slow enough for messages to pile up behind it
    const store = storeOf(input.bookUuid);
    store.record(input);
    // As the real activity: ANALYTICS_COMPLETED recorded after the analytics, the intake log checked last.
    if (input.analytics) store.record({ ...input, ...input.analytics });
    const { tenantId, bookUuid } = input;
    return input.check ? { unapplied: store.unapplied({ tenantId, bookUuid, ...input.check }) } : {};
  },
  analyzeBook: () => Promise.resolve(),
  findUnappliedIntake: (input: FindUnappliedIntakeInput) => Promise.resolve(storeOf(input.bookUuid).unapplied(input)),
  markBookContinuing: () => Promise.resolve(),
  recordSealRequest: () => Promise.resolve(),
};

async function uploadAll(handle: WorkflowHandle, store: Store, docs: string[]) {
  for (const docUuid of docs) {
    await signalUpload(handle, docUuid);
    store.uploads.add(docUuid);
  }
}

function expectEveryEventOnce(store: Store, bookUuid: string, docs: string[]) {
  expect(store.missingAtComplete).toEqual([]);
  const vc = docs.map((docUuid) => eventId(bookUuid, 'VERIFICATION_COMPLETE', docUuid));
  expect(new Set(store.recorded)).toEqual(
    new Set([...vc, eventId(bookUuid, 'BOOK_COMPLETE'), eventId(bookUuid, 'ANALYTICS_COMPLETED')]),
  );
  // Every VERIFICATION_COMPLETE before BOOK_COMPLETE, ANALYTICS_COMPLETED last.
  expect(store.recorded.slice(-2)).toEqual([
    eventId(bookUuid, 'BOOK_COMPLETE'),
    eventId(bookUuid, 'ANALYTICS_COMPLETED'),
  ]);
}

let client: Client;
let nativeConnection: NativeConnection;
let connection: Connection;
beforeAll(async () => {
  const address = inject('temporalAddress');
  await workflowBundle(); // installs the SDK runtime first
  nativeConnection = await NativeConnection.connect({ address });
  connection = await Connection.connect({ address });
  client = new Client({ connection, dataConverter: testDataConverter() });
});
afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
});

/** A new book with its in-memory PostgreSQL, its workflow started on `taskQueue` with `options`. */
async function startBook(taskQueue: string, name: string, options: Partial<BookWorkflowInput>) {
  const bookUuid = randomUUID();
  const store = new Store();
  stores.set(bookUuid, store);
  const handle = await client.workflow.start<typeof bookWorkflow>('bookWorkflow', {
    taskQueue,
    workflowId: bookWorkflowId('reconcile', bookUuid),
    args: [{ tenantId: 'reconcile', bookUuid, name, metadata: {}, createdAt: new Date().toISOString(), ...options }],
  });
  return { bookUuid, store, handle };
}

const newWorker = async (taskQueue: string, options: { maxCachedWorkflows?: number } = {}) =>
  Worker.create({
    connection: nativeConnection,
    taskQueue,
    dataConverter: testDataConverter(),
    workflowBundle: await workflowBundle(),
    activities,
    ...options,
  });

describe('a book that never received some acknowledged messages (dev server, no workflow cache)', () => {
  const taskQueue = `book-reconcile-${randomUUID().slice(0, 8)}`;
  // Every workflow task replays the run from its first event (no cache); the worker is replaced mid-burst; a tiny
  // history limit continues the book as new constantly.
  const startWorker = async () => {
    const worker = await newWorker(taskQueue, { maxCachedWorkflows: 0 });
    return { worker, running: worker.run() };
  };

  it('applies the lost ones from the intake log: one event per document, BOOK_COMPLETE after all of them', async () => {
    let current = await startWorker();
    const { bookUuid, store, handle } = await startBook(taskQueue, 'lossy', { historyLimit: 40 });
    const docs = Array.from({ length: 60 }, () => randomUUID());
    await uploadAll(handle, store, docs);

    // Results in bursts of 6 per signal; every fifth document's result is stored but never signalled.
    const bursts = Array.from({ length: 10 }, (_, i) => docs.slice(i * 6, i * 6 + 6));
    await Promise.all(
      bursts.map(async (burst, i) => {
        if (i === 5) {
          const old = current;
          old.worker.shutdown();
          await old.running;
          current = await startWorker();
        }
        const signals = burst.map((docUuid, j) => {
          const result: VerificationResult = (i + j) % 7 === 0 ? 'FAILED' : 'SUCCEEDED';
          return { docUuid, result, resultId: store.storeResult(docUuid, result) };
        });
        const delivered = signals.filter((signal) => docs.indexOf(signal.docUuid) % 5 !== 0);
        if (delivered.length > 0) await handle.signal(verificationsSignal, delivered);
      }),
    );
    store.sealRequested = true;
    await handle.signal(sealSignal);
    const outcome = await handle.result();
    current.worker.shutdown();
    await current.running;

    expect(outcome).toMatchObject({ status: 'ANALYTICS_COMPLETE', counts: { total: 60, verifying: 0 } });
    expect(outcome).not.toHaveProperty('docs');
    expectEveryEventOnce(store, bookUuid, docs);
    expect(store.checks).toBeGreaterThan(1);
  });
});

describe('a book whose last messages were lost', () => {
  it('finds a lost result and a lost seal at its quiet check and completes', async () => {
    const taskQueue = `book-quiet-${randomUUID().slice(0, 8)}`;
    const worker = await newWorker(taskQueue);
    const docs = [randomUUID(), randomUUID()];
    const { bookUuid, store, handle } = await startBook(taskQueue, 'quiet', { quietCheckMs: 1000 });
    await worker.runUntil(async () => {
      await uploadAll(handle, store, docs);
      const first = { docUuid: docs[0] as string, result: 'SUCCEEDED' as const };
      await handle.signal(verificationsSignal, [
        { ...first, resultId: store.storeResult(first.docUuid, first.result) },
      ]);
      // Acknowledged, stored, never applied: the second result and the seal.
      store.storeResult(docs[1] as string, 'FAILED');
      store.sealRequested = true;

      const outcome = await handle.result();
      expect(outcome.status).toBe('ANALYTICS_COMPLETE');
      expect(outcome.counts).toEqual({ total: 2, verifying: 0, verified: 1, rejected: 1 });
      expect(outcome.sealedBy).toBe('request');
    });
    expectEveryEventOnce(store, bookUuid, docs);
  });
});
