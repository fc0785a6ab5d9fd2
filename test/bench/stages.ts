import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { percentile } from './harness.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

const millis = (event: HistoryEvent) => {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + Math.round((time?.nanos ?? 0) / 1e6);
};

/**
 * BENCH_STAGES=1: where the time went, from every history on `taskQueue` — workflow tasks waiting for a worker and
 * running (local activities run inside them), and activities waiting and running — as p50 / p90 / max in ms.
 */
export async function printStages(client: Client, taskQueue: string): Promise<void> {
  const stages = new Map<string, number[]>();
  const add = (stage: string, ms: number) => stages.set(stage, [...(stages.get(stage) ?? []), ms]);
  for await (const run of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const events = (await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
    const byId = new Map(events.map((event) => [Number(event.eventId), event]));
    const name = run.type.replace(/Workflow$/, '');
    for (const event of events) {
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
          const scheduled = byId.get(Number(event.workflowTaskStartedEventAttributes?.scheduledEventId));
          if (scheduled) add(`${name}: workflow task waits for a worker`, millis(event) - millis(scheduled));
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          const started = byId.get(Number(event.workflowTaskCompletedEventAttributes?.startedEventId));
          if (started) add(`${name}: workflow task runs`, millis(event) - millis(started));
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
          const attributes = event.activityTaskCompletedEventAttributes;
          const scheduled = byId.get(Number(attributes?.scheduledEventId));
          const started = byId.get(Number(attributes?.startedEventId));
          const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity';
          if (scheduled && started) add(`${name}: ${type} waits for a worker`, millis(started) - millis(scheduled));
          if (started) add(`${name}: ${type} runs`, millis(event) - millis(started));
          break;
        }
        default:
      }
    }
  }
  console.log(`\nstages on ${taskQueue} (ms):`);
  for (const [stage, values] of [...stages].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `  ${stage.padEnd(60)} n=${String(values.length).padStart(5)}  p50 ${percentile(values, 50)}  ` +
        `p90 ${percentile(values, 90)}  max ${Math.max(...values)}`,
    );
  }
}
