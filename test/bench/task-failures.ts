// Workflow task failures and timeouts in every history a stage ran (target 0): each one is a workflow task a worker
// could not complete — a bug, a non-determinism, a deadlock, a worker gone mid-task — and may hide a lost signal or
// update. Read from every run of every workflow the stage started, closed and continued-as-new runs included.
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { inParallel } from '../support/books.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType, WorkflowTaskFailedCause, TimeoutType } = proto.temporal.api.enums.v1;

export interface TaskFailures {
  workflows: number;
  runs: number;
  /** History events read. */
  events: number;
  /** WorkflowTaskFailed events. */
  failed: number;
  /** WorkflowTaskTimedOut events. */
  timedOut: number;
  /** Count by cause (`WorkflowTaskFailed <cause>: <message>`, `WorkflowTaskTimedOut <timeout type>`). */
  causes: Map<string, number>;
  /** The first few, as `<workflow id> run <run id> event <id>: <cause>`. */
  examples: string[];
}

/** A stage's workflows: a tenant's books and deliveries (`book:<tenant>:…`, `deliveries:<tenant>:…`). */
export function tenantWorkflows(tenantId: string): (workflowId: string) => boolean {
  return (id) => id.startsWith(`book:${tenantId}:`) || id.startsWith(`deliveries:${tenantId}:`);
}

/** The workflows of some books of a tenant: each book's (`book:<tenant>:<book>`) and its deliveries'. */
export function bookWorkflows(tenantId: string, bookUuids: Iterable<string>): (workflowId: string) => boolean {
  const books = new Set(bookUuids);
  return (id) => {
    const [kind, tenant, ...rest] = id.split(':');
    if (tenant !== tenantId) return false;
    if (kind === 'book') return books.has(rest[0] ?? '');
    return kind === 'deliveries' && books.has(rest[1] ?? '');
  };
}

const firstLine = (text: string | null | undefined) => (text ?? '').split('\n')[0]?.slice(0, 160) ?? '';

function causeOf(event: HistoryEvent): string | undefined {
  if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
    const attributes = event.workflowTaskFailedEventAttributes;
    const cause = WorkflowTaskFailedCause[attributes?.cause ?? 0] ?? String(attributes?.cause);
    return `WorkflowTaskFailed ${cause.replace('WORKFLOW_TASK_FAILED_CAUSE_', '')}: ${firstLine(attributes?.failure?.message)}`;
  }
  if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
    const type = event.workflowTaskTimedOutEventAttributes?.timeoutType ?? 0;
    return `WorkflowTaskTimedOut ${(TimeoutType[type] ?? String(type)).replace('TIMEOUT_TYPE_', '')}`;
  }
  return undefined;
}

/**
 * Lists every execution in the namespace (open and closed, each run of a chain of continue-as-new), keeps those
 * whose workflow id `belongs` to the stage, and reads each run's history. Runs visibility has not listed yet are
 * found by following each chain both ways (a run's start names the run it continues, its end the run that follows),
 * and `expectedIds` (e.g. the books' workflow ids) are read even when visibility lists none of their runs.
 */
export async function countTaskFailures(
  client: Client,
  belongs: (workflowId: string) => boolean,
  options: { expectedIds?: string[]; concurrency?: number } = {},
): Promise<TaskFailures> {
  const result: TaskFailures = {
    workflows: 0,
    runs: 0,
    events: 0,
    failed: 0,
    timedOut: 0,
    causes: new Map(),
    examples: [],
  };
  const seen = new Set<string>();
  const queue: Array<{ workflowId: string; runId: string }> = [];
  const enqueue = (workflowId: string, runId: string) => {
    const key = `${workflowId} ${runId}`;
    if (seen.has(key)) return;
    seen.add(key);
    queue.push({ workflowId, runId });
  };
  for await (const run of client.workflow.list()) {
    if (belongs(run.workflowId)) enqueue(run.workflowId, run.runId);
  }
  const listedIds = new Set(queue.map((run) => run.workflowId));
  for (const workflowId of options.expectedIds ?? []) {
    if (listedIds.has(workflowId)) continue;
    // A workflow that was never started (its create was never acknowledged) has no history to read.
    const description = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    if (description) enqueue(workflowId, description.runId);
  }

  const workflowIds = new Set<string>();
  const readRun = async ({ workflowId, runId }: { workflowId: string; runId: string }) => {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    workflowIds.add(workflowId);
    result.runs += 1;
    result.events += events.length;
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (previous) enqueue(workflowId, previous);
    const following = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (following) enqueue(workflowId, following);
    for (const event of events) {
      const cause = causeOf(event);
      if (!cause) continue;
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) result.failed += 1;
      else result.timedOut += 1;
      result.causes.set(cause, (result.causes.get(cause) ?? 0) + 1);
      if (result.examples.length < 5) {
        result.examples.push(`${workflowId} run ${runId} event ${String(event.eventId)}: ${cause}`);
      }
    }
  };
  // Reading a run may find more runs of its chain: read until nothing is left.
  while (queue.length > 0) await inParallel(queue.splice(0), options.concurrency ?? 8, readRun);
  result.workflows = workflowIds.size;
  return result;
}

/** Prints the count (target 0) and, when there are any, each cause and the first few events. */
export function printTaskFailures(stage: string, failures: TaskFailures, note = ''): void {
  const verdict = `${failures.failed + failures.timedOut === 0 ? 'target 0: met' : 'target 0: NOT met'}${note}`;
  console.log(
    `[${stage}] workflow tasks: ${failures.failed} WorkflowTaskFailed, ${failures.timedOut} WorkflowTaskTimedOut ` +
      `in ${failures.runs} runs of ${failures.workflows} workflows (${failures.events} history events) — ${verdict}`,
  );
  for (const [cause, count] of [...failures.causes].sort((a, b) => b[1] - a[1])) {
    console.log(`[${stage}]   ${String(count).padStart(5)} × ${cause}`);
  }
  for (const example of failures.examples) console.log(`[${stage}]   e.g. ${example}`);
}

/** Counts a stage's workflow task failures and prints them (see `printTaskFailures`). */
export async function checkTaskFailures(
  client: Client,
  stage: string,
  belongs: (workflowId: string) => boolean,
  options: { expectedIds?: string[] } = {},
): Promise<TaskFailures> {
  const failures = await countTaskFailures(client, belongs, options);
  printTaskFailures(stage, failures);
  return failures;
}

/** The closing lines of a run: every stage's workflow task failures; false (and exit code 1) unless all are 0. */
export function taskFailureVerdict(stages: Array<{ stage: string; failures: TaskFailures }>): boolean {
  const bad = stages.filter(({ failures }) => failures.failed + failures.timedOut > 0);
  console.log(
    bad.length === 0
      ? `\nworkflow task failures: 0 in every stage (${stages.length} stages)`
      : `\nFAILED: workflow task failures in ${bad.map(({ stage, failures }) => `${stage} (${failures.failed} failed, ${failures.timedOut} timed out)`).join(', ')}`,
  );
  if (bad.length > 0) process.exitCode = 1;
  return bad.length === 0;
}
