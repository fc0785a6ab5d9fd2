// The throughput part's idle phase: how long one verification result takes to reach its endpoint when nothing else
// runs. One book on roles of its own; its documents uploaded first (they wake no book); then one result at a time,
// each sent once the previous one's webhook has arrived and GAP_MS have passed (so its delivery's tail — the attempt
// log, the activity's completion — is over too). Each sample runs from the API's 202 to the webhook's arrival at the
// receiver. The first result also opens the connections to the receiver: printed apart,
// not a sample. Then the book is sealed and every event checked as in the burst.
import { randomUUID } from 'node:crypto';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { Acknowledged, arrivalKey } from './acknowledged.js';
import { startBookbellRoles } from './bookbell-roles.js';
import type { Deadline } from './deadline.js';
import { benchNumber, expectStatus, percentile, type BenchInfra } from './harness.js';
import type { Arrival } from './receiver.js';
import { expectRecordedAndSigned } from './recorded.js';
import { checkTaskFailures, tenantWorkflows, type TaskFailures } from './task-failures.js';

const SAMPLES = benchNumber('BENCH_IDLE_SAMPLES', 100, 10);
/** The quiet between one arrival and the next result. */
const GAP_MS = 250;

export interface IdleLatency {
  samples: number;
  /** Ms from the 202 to the arrival. */
  p50: number;
  p99: number;
  max: number;
  /** The first result's, which opens the connections to the receiver (not among the samples). */
  firstMs: number;
  taskFailures: TaskFailures;
}

export async function idleLatencyPhase(infra: BenchInfra, stage: string, deadline: Deadline): Promise<IdleLatency> {
  const roles = await startBookbellRoles(infra, 'idle');
  const { tenantId, call, receiver, endpointId } = roles;
  const acknowledged = new Acknowledged(tenantId);
  try {
    const book = await expectStatus(call('POST', '/v1/books', { name: 'Idle latency' }), 201);
    const bookUuid = book.book_uuid as string;
    acknowledged.book(bookUuid);
    const docs = Array.from({ length: SAMPLES + 1 }, () => randomUUID());
    for (const docUuid of docs) {
      await expectStatus(call('POST', `/v1/books/${bookUuid}/documents`, { doc_uuid: docUuid, name: 'stmt.pdf' }), 202);
      acknowledged.upload(bookUuid, docUuid);
    }
    // Uploads wake no book: the first result tells it how many documents it holds. A second for the book's start.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const latencies: number[] = [];
    for (const docUuid of docs) {
      const path = `/v1/books/${bookUuid}/documents/${docUuid}/verification`;
      await expectStatus(call('POST', path, { result: 'SUCCEEDED' }), 202);
      const answeredAt = performance.now();
      acknowledged.result(bookUuid, docUuid, 'SUCCEEDED');
      const arrived = (a: Arrival) => a.eventName === 'VERIFICATION_COMPLETE' && a.docUuid === docUuid;
      await receiver.until(() => receiver.arrivals.some(arrived), deadline.left(), `${stage}: ${docUuid} delivered`);
      latencies.push((receiver.arrivals.find(arrived) as Arrival).at - answeredAt);
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    }
    const [firstMs = Number.NaN, ...samples] = latencies;

    await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
    acknowledged.seal(bookUuid);
    await receiver.untilAll(acknowledged.expectedEvents(), arrivalKey, deadline.left(), `${stage}: every event`);
    await expectRecordedAndSigned(infra.pool, receiver, acknowledged, { stage, deadline, endpointId });
    const taskFailures = await checkTaskFailures(infra.client, stage, tenantWorkflows(tenantId), {
      expectedIds: [bookWorkflowId(tenantId, bookUuid)],
    });
    return {
      samples: samples.length,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: Math.max(...samples),
      firstMs,
      taskFailures,
    };
  } finally {
    await roles.stop();
  }
}
