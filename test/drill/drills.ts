import type { BenchInfra } from '../bench/harness.js';
import { Acknowledged } from '../bench/acknowledged.js';
import { stageDeadlineMs, timedStage } from '../bench/deadline.js';
import { compareRecorded, describeMissing } from '../bench/recorded.js';
import { settle, type DrillOutcome } from './audit.js';
import { startDrillCluster, type DrillCluster } from './cluster.js';
import { DrillCrm, type DrillBook } from './crm.js';

/** How big each drill's burst is: `books` books of `docs` documents, `concurrency` CRM requests at a time. */
export interface DrillScale {
  books: number;
  docs: number;
  concurrency: number;
}

/** After the burst, how long a drill waits for every expected event to arrive (or be reported FAILED). */
const SETTLE_MS = 180_000;
/** A whole drill's deadline, from its cluster's start to its outcome (BENCH_DEADLINE_SECONDS replaces it). */
const DRILL_DEADLINE_MS = stageDeadlineMs(10 * 60_000);

const until = async (done: () => boolean, what: string, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`drill: ${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves the moment `share` of the burst's requests (results and seals) have been answered. */
function burstAnswered(crm: DrillCrm, scale: DrillScale, share: number): Promise<void> {
  const requests = scale.books * (scale.docs + 1);
  return crm.whenAnswered(crm.answered + Math.ceil(requests * share));
}

/** A fault drill: what it breaks, when, and how. */
export interface DrillSpec {
  name: string;
  faults: string;
  workers: number;
  env?: Record<string, string>;
  /** Start the fault once this share of the expected events has arrived (0: right as the burst starts). */
  after: number;
  inject: (cluster: DrillCluster, crm: DrillCrm, scale: DrillScale) => Promise<void>;
  /** Past a retry window, events may end reported FAILED instead of delivered. */
  failuresAllowed?: boolean;
  /** It kills a worker or the server: a workflow task in flight may time out (WorkflowTaskTimedOut, never Failed). */
  taskTimeoutsExpected?: boolean;
}

/**
 * Runs one drill: a fresh cluster slice, books created and uploaded, then the burst (results and seals) with the
 * fault injected alongside it once a share of the events has arrived; then waits for the outcome and counts it.
 */
export async function runDrill(infra: BenchInfra, scale: DrillScale, spec: DrillSpec): Promise<DrillOutcome> {
  const cluster = await startDrillCluster(infra, { workers: spec.workers, env: spec.env ?? {} });
  const crm = new DrillCrm(cluster.apiUrl, cluster.apiKey, new Acknowledged(cluster.tenantId));
  const explain = async () =>
    describeMissing(await compareRecorded(infra.pool, crm.acknowledged, [cluster.endpointId])) +
    `\n  events arrived at the receiver: ${cluster.receiver.arrivals.length}`;
  try {
    return await timedStage(
      `drill: ${spec.name}`,
      DRILL_DEADLINE_MS,
      async (deadline) => {
        const books: DrillBook[] = DrillCrm.plan(scale.books, scale.docs);
        await crm.prepare(books, scale.concurrency);
        const retriedBefore = crm.tally.retried;
        const startedAt = performance.now();
        const expected = scale.books * (scale.docs + 2);
        const burst = crm.finish(books, scale.concurrency);
        const fault = (async () => {
          await until(() => cluster.receiver.arrivals.length >= spec.after * expected, 'the burst reaching the fault');
          await spec.inject(cluster, crm, scale);
        })();
        await Promise.all([burst, fault]);
        return await settle(
          cluster,
          books,
          { drill: spec.name, faults: spec.faults, retried: crm.tally.retried - retriedBefore, startedAt },
          {
            timeoutMs: Math.min(SETTLE_MS, deadline.left()),
            failuresAllowed: spec.failuresAllowed ?? false,
            acknowledged: crm.acknowledged,
            taskTimeoutsExpected: spec.taskTimeoutsExpected ?? false,
          },
        );
      },
      explain,
    );
  } finally {
    await cluster.stop();
  }
}

/** SIGKILL the only worker mid-burst, start a new one. */
export const workerKilled: DrillSpec = {
  name: 'worker killed and restarted',
  faults: 'SIGKILL worker, start another',
  workers: 1,
  after: 0.25,
  taskTimeoutsExpected: true,
  inject: async (cluster) => {
    await cluster.workers[0]?.stop('SIGKILL');
    await cluster.startWorker();
  },
};

/** Two workers; SIGKILL one mid-burst and leave the other to finish alone. */
export const oneOfTwoWorkersKilled: DrillSpec = {
  name: 'one of two workers killed',
  faults: 'SIGKILL 1 of 2 workers',
  workers: 2,
  after: 0.25,
  taskTimeoutsExpected: true,
  inject: async (cluster) => {
    await cluster.workers[0]?.stop('SIGKILL');
  },
};

/** Stop the dev server mid-book (its SQLite file stays), start it again on the same file and port. */
export const temporalRestarted: DrillSpec = {
  name: 'Temporal dev server restarted',
  faults: 'stop server 3 s, restart on same SQLite',
  workers: 1,
  after: 0,
  taskTimeoutsExpected: true,
  inject: async ({ infra }, crm, scale) => {
    await burstAnswered(crm, scale, 0.3);
    await infra.stopTemporal();
    await pause(3000);
    await infra.startTemporal();
  },
};

/** SIGKILL the API mid-burst; the CRM retries what went unanswered; a new API starts on the same port. */
export const apiKilled: DrillSpec = {
  name: 'intake API killed and restarted',
  faults: 'SIGKILL API, restart after 1 s',
  workers: 1,
  after: 0,
  inject: async (cluster, crm, scale) => {
    await burstAnswered(crm, scale, 0.3);
    await cluster.stopApi('SIGKILL');
    await pause(1000);
    await cluster.startApi();
  },
};

/** The receiver refuses connections for 10 s from the start of the burst, within the retry window. */
const OUTAGE_MS = 10_000;
export const receiverOutageWithinWindow: DrillSpec = {
  name: 'receiver down, back within the window',
  faults: `receiver down ${OUTAGE_MS / 1000} s (window 5 min)`,
  workers: 1,
  after: 0,
  inject: async (cluster) => {
    await cluster.receiver.close();
    await pause(OUTAGE_MS);
    await cluster.receiver.listen(cluster.receiver.port);
  },
};

/** The receiver stays down past a short retry window: every event must be reported FAILED, none silently lost. */
export const receiverOutagePastWindow: DrillSpec = {
  name: 'receiver down past the window',
  faults: 'receiver down for good (window 6 s)',
  workers: 1,
  env: { DELIVERY_WINDOW: '6s' },
  after: 0,
  failuresAllowed: true,
  inject: async (cluster) => {
    await cluster.receiver.close();
  },
};

/** Every drill, in the order the summary lists them. */
export const ALL_DRILLS: DrillSpec[] = [
  workerKilled,
  oneOfTwoWorkersKilled,
  temporalRestarted,
  apiKilled,
  receiverOutageWithinWindow,
  receiverOutagePastWindow,
];
