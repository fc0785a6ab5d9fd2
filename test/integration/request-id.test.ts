import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_ID_HEADER } from '../../workflows/request-id-header.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { crm } from '../support/books.js';
import { eventually, request } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { decodedText } from '../support/stored-history.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
  // The first delivery fails, so its retry goes through the endpoint's delivery workflow.
  receiver = await startReceiver((_request, index) => ({ status: index === 0 ? 503 : 200 }));
});
afterAll(async () => {
  await system?.stop();
  await receiver?.close();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The request id an event of a workflow's history carries in its header, if any. */
function requestIdOf(event: HistoryEvent): string | undefined {
  const attributes =
    event.workflowExecutionStartedEventAttributes ??
    event.workflowExecutionSignaledEventAttributes ??
    event.activityTaskScheduledEventAttributes ??
    event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
  const payload = attributes?.header?.fields?.[REQUEST_ID_HEADER];
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}

const history = async (workflowId: string) =>
  (await system.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];

describe('request ids', () => {
  it('follow an API request into the workflow history, its activities and the deliveries they cause', async () => {
    const api = crm(system);
    const endpoint = await api.call('POST', '/v1/endpoints', { url: receiver.url, events: ['VERIFICATION_COMPLETE'] });
    expect(endpoint.status).toBe(201);
    const call = (method: string, path: string, requestId: string, body?: unknown) =>
      request(system.apiUrl, method, path, body, {
        authorization: `Bearer ${system.apiKey}`,
        'x-request-id': requestId,
      });

    const created = await call('POST', '/v1/books', 'req-create-1', { name: 'Traced book' });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('req-create-1');
    const bookUuid = created.body.book_uuid as string;
    const docUuid = randomUUID();
    expect(
      (await call('POST', `/v1/books/${bookUuid}/documents`, 'req-upload-1', { doc_uuid: docUuid, name: 'a.pdf' }))
        .status,
    ).toBe(202);
    expect(
      (
        await call('POST', `/v1/books/${bookUuid}/documents/${docUuid}/verification`, 'req-verify-1', {
          result: 'SUCCEEDED',
        })
      ).status,
    ).toBe(202);
    await eventually(() => expect(receiver.requests).toHaveLength(2));

    const bookEvents = await history(bookWorkflowId(system.tenantId, bookUuid));
    const started = bookEvents.find((e) => e.workflowExecutionStartedEventAttributes);
    expect(started && requestIdOf(started)).toBe('req-create-1');
    const signals = bookEvents.filter((e) => e.workflowExecutionSignaledEventAttributes);
    // The upload woke no book: the result told it of the document.
    expect(signals.map((e) => [e.workflowExecutionSignaledEventAttributes?.signalName, requestIdOf(e)])).toEqual([
      ['verificationFinished', 'req-verify-1'],
    ]);
    // The activity that recorded VERIFICATION_COMPLETE (and made its first attempt) ran for the verification request,
    // and handed the retry to the endpoint's delivery workflow under that id.
    const recorded = bookEvents.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordBookChanges',
    );
    expect(recorded.map(requestIdOf)).toContain('req-verify-1');
    const deliveryRuns = await eventually(async () => {
      const runs = [];
      for await (const run of system.client.workflow.list({ query: `WorkflowType = 'endpointDeliveriesWorkflow'` })) {
        if (run.taskQueue === system.taskQueue) runs.push(run);
      }
      expect(runs).toHaveLength(1);
      return runs;
    });
    const deliveryEvents = await history((deliveryRuns[0] as { workflowId: string }).workflowId);
    const enqueued = deliveryEvents.filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(enqueued.length).toBeGreaterThan(0);
    expect(enqueued.map(requestIdOf)).toEqual(enqueued.map(() => 'req-verify-1'));
  });

  it('are all kept when a burst of results to one book reaches it by signals and by reads of the log', async () => {
    const api = crm(system);
    const bookUuid = await api.createBook({ name: 'Burst' });
    const docs = Array.from({ length: 24 }, () => randomUUID());
    for (const docUuid of docs) await api.upload(bookUuid, docUuid);
    const requestIds = docs.map((_, i) => `req-burst-${i}`);
    const answers = await Promise.all(
      docs.map((docUuid, i) =>
        request(
          system.apiUrl,
          'POST',
          `/v1/books/${bookUuid}/documents/${docUuid}/verification`,
          { result: 'SUCCEEDED' },
          { authorization: `Bearer ${system.apiKey}`, 'x-request-id': requestIds[i] as string },
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(docs.map(() => 202));
    await api.call('POST', `/v1/books/${bookUuid}/seal`);
    await api.finished(bookUuid);
    // However the results reached the book, every request's id is in its history: on the signal that carried it, or
    // in the read of the log that took it in (the recording's result).
    const events = await history(bookWorkflowId(system.tenantId, bookUuid));
    const signalled = events
      .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName?.startsWith('verification'))
      .flatMap((e) => (requestIdOf(e) ?? '').split(' '));
    const text = await decodedText({ events });
    const read = requestIds.filter((id) => text.includes(`"requestId":"${id}"`));
    expect(new Set([...signalled, ...read])).toEqual(new Set(requestIds));
    expect(read.length).toBeGreaterThan(0);
  });
});
