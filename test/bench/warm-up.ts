// Before each measured burst, its processes run three bursts like it on books of their own (BENCH_WARMUP: how many;
// 0: none). A service that has run for a while has compiled its hot code; a process measured from its first request
// spends a fifth of its CPU in V8's compiler (`BENCH_PERF`), which says how fast it starts, not how fast it runs. After
// one warm-up burst bookbell's worker and API still spent 1.2 s of a 5 s burst optimizing code, after three 0.6 s
// (`BENCH_NODE_FLAGS=--trace-opt`, docs/benchmarks.md). The floor and bookbell get the same warm-up; what they deliver
// then is waited for, the workflows left idle, and the receiver's arrivals cleared, so that nothing of it runs into
// the measurement or is counted in it.
import { createApiKey } from '../../src/db/api-keys.js';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { inParallel } from '../support/books.js';
import { Acknowledged, arrivalKey } from './acknowledged.js';
import { subscribe, type BookbellRoles } from './bookbell-roles.js';
import { BURST_CONCURRENCY, sendBurst, uploadBurstBooks } from './burst.js';
import { crmClient, type Call } from './crm-client.js';
import { pollUntil, type Deadline } from './deadline.js';
import { startFloorBooks } from './floor/books.js';
import { floorEventSignal } from './floor/workflows.js';
import { benchNumber, type BenchInfra } from './harness.js';
import type { BenchReceiver } from './receiver.js';

/** Warm-up bursts before each measured one. */
export const WARM_UP_BURSTS = benchNumber('BENCH_WARMUP', 3, 1);
export const WARM_UP = WARM_UP_BURSTS > 0;

/** Marks the floor's warm-up workflows (their ids), so that the measurement leaves them out. */
export const FLOOR_WARM_UP_MARK = 'warm-up-';

/** The floor's warm-up: books of its own on the floor worker's task queue (startFloorBooks). */
export async function warmUpFloor(
  infra: BenchInfra,
  taskQueue: string,
  receiver: BenchReceiver,
  deadline: Deadline,
): Promise<void> {
  for (let burst = 1; burst <= WARM_UP_BURSTS; burst++)
    await warmUpFloorBurst(infra, taskQueue, receiver, deadline, burst);
}

async function warmUpFloorBurst(
  infra: BenchInfra,
  taskQueue: string,
  receiver: BenchReceiver,
  deadline: Deadline,
  burst: number,
): Promise<void> {
  const prefix = `${FLOOR_WARM_UP_MARK}${burst}-`;
  const { handles, signals } = await startFloorBooks(infra.floorClient, taskQueue, receiver.url, prefix);
  await inParallel(signals, BURST_CONCURRENCY, ({ handle, id }) => handle.signal(floorEventSignal, id));
  const ids = new Set(signals.map(({ id }) => id));
  await receiver.untilAll(ids, (a) => a.endpointId, deadline.left(), 'floor warm-up: every event');
  await untilIdle(
    infra,
    'floor warm-up',
    handles.map((handle) => handle.workflowId),
    deadline,
  );
  receiver.arrivals.length = 0;
}

/**
 * bookbell's warm-up: a tenant of its own on the same API and worker, subscribed to the same receiver with the same
 * secret, gets a burst like the measured one. Returns the tenant, whose workflows the measurement leaves out.
 */
export async function warmUpBookbell(infra: BenchInfra, roles: BookbellRoles, deadline: Deadline): Promise<string> {
  const tenantId = `${roles.tenantId}-warm-up`;
  const { key } = await createApiKey(infra.pool, tenantId, 'bench warm-up');
  const call = crmClient(roles.api.url, key);
  await subscribe(call, roles.receiver);
  for (let burst = 1; burst <= WARM_UP_BURSTS; burst++)
    await warmUpBookbellBurst(infra, roles, call, tenantId, deadline);
  return tenantId;
}

async function warmUpBookbellBurst(
  infra: BenchInfra,
  roles: BookbellRoles,
  call: Call,
  tenantId: string,
  deadline: Deadline,
): Promise<void> {
  const acknowledged = new Acknowledged(tenantId);
  const books = await uploadBurstBooks(call, acknowledged);
  await sendBurst(call, books, acknowledged);
  await roles.receiver.untilAll(
    acknowledged.expectedEvents(),
    arrivalKey,
    deadline.left(),
    'bookbell warm-up: every event',
  );
  const ids = books.map(({ bookUuid }) => bookWorkflowId(tenantId, bookUuid));
  await untilIdle(infra, 'bookbell warm-up', ids, deadline);
  roles.receiver.arrivals.length = 0;
}

/** Waits until the workflows' histories stand still (polled each 300 ms); returns their history events. */
export async function untilIdle(
  infra: BenchInfra,
  stage: string,
  workflowIds: string[],
  deadline: Deadline,
): Promise<number> {
  let lastTotal = -1;
  await pollUntil(
    `${stage}: every workflow idle`,
    deadline.left(),
    async () => {
      const total = await historyTotal(infra, workflowIds);
      const still = total === lastTotal;
      lastTotal = total;
      return still;
    },
    (still) => still,
    () => 'the workflows are still busy',
    300,
  );
  return lastTotal;
}

/** History events of the workflows so far (describe: visibility counts a run's history once it closed). */
async function historyTotal(infra: BenchInfra, workflowIds: string[]): Promise<number> {
  const lengths = await Promise.all(
    workflowIds.map(async (id) => (await infra.client.workflow.getHandle(id).describe()).historyLength),
  );
  return lengths.reduce((a, b) => a + b, 0);
}
