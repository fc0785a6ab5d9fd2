// The benchmark's floor: the least a Temporal pipeline can do per event — each signal becomes one activity that does
// one HTTP POST. No state machine, no database, no signing, no ordering. Bundled by the floor worker only.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createFloorActivities } from './activities.js';

export const floorEventSignal = defineSignal<[string]>('event');

const { post } = proxyActivities<ReturnType<typeof createFloorActivities>>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Posts each signalled id to `url` (one activity each); finishes once `expected` have been posted. */
export async function floorWorkflow(input: { url: string; expected: number }): Promise<void> {
  let posted = 0;
  setHandler(floorEventSignal, (id) => {
    void post(input.url, id).then(() => {
      posted += 1;
    });
  });
  await condition(() => posted >= input.expected);
}
