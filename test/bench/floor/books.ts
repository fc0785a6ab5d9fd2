// The floor's "books": one workflow per book on the floor worker's task queue, and the signals of its events.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { BURST_BOOKS, EVENTS_PER_BOOK } from '../burst.js';
import type { floorWorkflow } from './workflows.js';

export interface FloorBooks {
  handles: Array<WorkflowHandle<typeof floorWorkflow>>;
  /** Each book's events in order, one signal each; `id` is what the receiver sees as the webhook id. */
  signals: Array<{ handle: WorkflowHandle<typeof floorWorkflow>; id: string }>;
}

/**
 * Starts BURST_BOOKS floor workflows POSTing to `url`; `prefix` sets their ids apart (workflow `<taskQueue>-<prefix><n>`,
 * event `<prefix><n>-<i>`).
 */
export async function startFloorBooks(
  client: Client,
  taskQueue: string,
  url: string,
  prefix = '',
): Promise<FloorBooks> {
  const handles = await Promise.all(
    Array.from({ length: BURST_BOOKS }, (_, book) =>
      client.workflow.start<typeof floorWorkflow>('floorWorkflow', {
        taskQueue,
        workflowId: `${taskQueue}-${prefix}${book}`,
        args: [{ url, expected: EVENTS_PER_BOOK }],
      }),
    ),
  );
  return {
    handles,
    signals: handles.flatMap((handle, book) =>
      Array.from({ length: EVENTS_PER_BOOK }, (_, n) => ({ handle, id: `${prefix}${book}-${n}` })),
    ),
  };
}
