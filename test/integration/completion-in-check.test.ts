import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bookStateQuery, bookWorkflowId } from '../../workflows/book-contract.js';
import { eventNames, systemWithEndpoint } from '../support/endpoint-setup.js';
import {
  recordBookChanges,
  type RecordBookChangesInput,
  type RecordBookChangesResult,
} from '../../activities/record-book-changes.js';
import { storeVerificationResult } from '../../src/db/intake-results.js';
import { eventually } from '../support/http.js';
import { testCodec } from '../support/payload-keys.js';

// The recording that checks the intake log before BOOK_COMPLETE records the completion too when the check and its
// read find nothing (workflows/book-completion.ts). Here the receiver holds that recording's first attempt, the second
// document's VERIFICATION_COMPLETE, while the test sends more.
const ENV = { DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms', ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' };
const HOLD_MS = 2_500;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A sealed book of two documents whose second result's recording, the one that checks the log, is held. */
async function bookInItsLastCheck() {
  const setup = await systemWithEndpoint(ENV, cleanups, (_request, index) =>
    index === 1 ? { status: 200, delayMs: HOLD_MS } : { status: 200 },
  );
  const { api, inbox } = setup;
  const bookUuid = await api.createBook({ name: 'Last check' });
  const [first, second] = [await api.upload(bookUuid), await api.upload(bookUuid)];
  await api.verify(bookUuid, first, 'SUCCEEDED');
  await eventually(() => expect(inbox.requests).toHaveLength(1));
  await api.seal(bookUuid);
  await api.verify(bookUuid, second, 'SUCCEEDED');
  await eventually(() => expect(inbox.requests).toHaveLength(2)); // held
  return { ...setup, bookUuid, first, second };
}

/** The summaries of the book's recordings, in order (opened with the test's keys). */
async function recordings(setup: Awaited<ReturnType<typeof bookInItsLastCheck>>): Promise<string[]> {
  const handle = setup.system.client.workflow.getHandle(bookWorkflowId(setup.system.tenantId, setup.bookUuid));
  const history = await handle.fetchHistory();
  const summaries = (history.events ?? []).flatMap((event) => {
    const summary = event.activityTaskScheduledEventAttributes ? event.userMetadata?.summary : undefined;
    return summary ? [summary] : [];
  });
  const opened = await testCodec().decode(summaries);
  return opened.map((payload) => JSON.parse(Buffer.from(payload.data ?? []).toString()) as string);
}

describe('the recording that checks the log before BOOK_COMPLETE', () => {
  it('completes the book when it finds nothing; a repeat that arrives meanwhile is ignored after the completion', async () => {
    const setup = await bookInItsLastCheck();
    const { api, inbox, bookUuid, first, system } = setup;
    await api.verify(bookUuid, first, 'SUCCEEDED'); // a repeat: signalled, held by the book until the recording ends
    const book = await api.finished(bookUuid);
    await eventually(() => expect(inbox.requests).toHaveLength(4));
    expect(eventNames(inbox.requests)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(book.document_counts).toEqual({ total: 2, verifying: 0, verified: 2, rejected: 0 });
    // The recording that checked recorded the completion, and none after it did (the repeat's signal asks for a read
    // of the log, which the finished book still makes).
    const completions = (await recordings(setup)).filter((summary) => summary.includes('BOOK_COMPLETE'));
    expect(completions).toEqual([
      expect.stringMatching(/check the intake log; if it holds nothing more, record BOOK_COMPLETE/),
    ]);
    expect(book.ignored_results.count).toBe(1);
    const handle = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
    expect(await handle.query(bookStateQuery)).toMatchObject({ status: 'ANALYTICS_COMPLETE', ignoredCount: 1 });
  });

  it('records no completion when its read finds a result stored meanwhile: that document comes first', async () => {
    const setup = await bookInItsLastCheck();
    const { api, inbox, bookUuid } = setup;
    // A result for a document the sealed book did not hold: stored while the recording runs, read at its end.
    const third = randomUUID();
    await api.verify(bookUuid, third, 'FAILED', { reason: 'late' });
    const book = await api.finished(bookUuid);
    await eventually(() => expect(inbox.requests).toHaveLength(5));
    expect(eventNames(inbox.requests)).toEqual([
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'VERIFICATION_COMPLETE',
      'BOOK_COMPLETE',
      'ANALYTICS_COMPLETED',
    ]);
    expect(inbox.requests[2]?.json.doc_uuid).toBe(third);
    expect(book.document_counts).toEqual({ total: 3, verifying: 0, verified: 2, rejected: 1 });
    expect(inbox.requests[3]?.json.uploaded_docs).toHaveLength(3);
    // The held recording checked and read, and recorded no completion: the next one, after the new document's event.
    const summaries = (await recordings(setup)).filter((summary) => summary.includes('BOOK_COMPLETE'));
    expect(summaries).toEqual([
      expect.stringMatching(/check the intake log; if it holds nothing more, record BOOK_COMPLETE/),
      expect.stringMatching(/^record VERIFICATION_COMPLETE, BOOK_COMPLETE → book COMPLETE/),
    ]);
    expect(book.ignored_results.count).toBe(0);
  });

  it('a retry after it recorded the completion finishes the completion as decided, whatever came since', async () => {
    const setup = await systemWithEndpoint(ENV, cleanups);
    const { api, inbox, system } = setup;
    const bookUuid = await api.createBook({ name: 'Retried completion' });
    const docUuid = await api.upload(bookUuid);
    await api.verify(bookUuid, docUuid, 'SUCCEEDED');
    await api.seal(bookUuid);
    await api.finished(bookUuid);
    await eventually(() => expect(inbox.requests).toHaveLength(3));
    // The recording that checked and completed, as the book scheduled it.
    const handle = system.client.workflow.getHandle(bookWorkflowId(system.tenantId, bookUuid));
    const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((event) => {
      const attributes = event.activityTaskScheduledEventAttributes;
      return attributes?.input?.payloads ? [attributes.input.payloads] : [];
    });
    const inputs = await Promise.all(
      scheduled.map(async (payloads) => {
        const [opened] = await testCodec().decode(payloads);
        return JSON.parse(Buffer.from(opened?.data ?? []).toString()) as RecordBookChangesInput;
      }),
    );
    const completing = inputs.find((input) => input.complete);
    if (!completing) throw new Error('no recording completed the book');
    // Since then, a result stored for a document the complete book does not hold (as the API stores it while the
    // workflow still runs, here its retry): a check now would list it.
    const late = { tenantId: system.tenantId, bookUuid, docUuid: randomUUID(), result: 'SUCCEEDED' as const };
    expect(await storeVerificationResult(system.pool, late, 100)).toMatchObject({ kind: 'stored' });

    const record = recordBookChanges({ pool: system.pool, temporal: system.client, taskQueue: system.taskQueue });
    const retried: RecordBookChangesResult = await new MockActivityEnvironment({ attempt: 2 }).run(record, completing);
    expect(retried.completed).toBe(true);
    const book = await api.get(bookUuid);
    expect(book).toMatchObject({ status: 'ANALYTICS_COMPLETE', document_counts: { total: 1, verified: 1 } });
    const { rows } = await system.pool.query<{ event_type: string }>(
      'select event_type from events where tenant_id = $1 and book_uuid = $2 order by event_type',
      [system.tenantId, bookUuid],
    );
    expect(rows.map((row) => row.event_type)).toEqual([
      'ANALYTICS_COMPLETED',
      'BOOK_COMPLETE',
      'VERIFICATION_COMPLETE',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(inbox.requests).toHaveLength(3); // nothing delivered twice
  });
});
