/**
 * Minimal workflow for the signal-loss repro (independent of bookbell's workflows).
 *
 * Every `add` signal carries a unique number; the workflow keeps the set of numbers it has seen. It "records" them in
 * batches with local activities that sleep 100-300 ms, many in a row inside one workflow task, while signals keep
 * arriving (so the server buffers them), and continues as new every `maxSignalsPerRun` signals, carrying the set.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

export interface ReproActivities {
  recordBatch(numbers: number[], sleepMs: number): Promise<number>;
}

export interface SignalLossInput {
  maxSignalsPerRun: number;
  batchSize: number;
  laMinMs: number;
  laMaxMs: number;
  /** Set by continue-as-new. */
  run?: number;
  carried?: number[];
  carriedUnprocessed?: number[];
  finishRequested?: boolean;
}

export interface SignalLossState {
  run: number;
  received: number[];
  signalsThisRun: number;
  unprocessed: number;
  finish: boolean;
  batchesThisRun: number;
}

export const addSignal = defineSignal<[number]>('add');
export const finishSignal = defineSignal('finish');
export const stateQuery = defineQuery<SignalLossState>('state');

const { recordBatch } = proxyLocalActivities<ReproActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds' },
});

export async function signalLossWorkflow(input: SignalLossInput): Promise<number[]> {
  const run = input.run ?? 1;
  const received = new Set<number>(input.carried ?? []);
  const unprocessed: number[] = [...(input.carriedUnprocessed ?? [])];
  let signalsThisRun = 0;
  let batchesThisRun = 0;
  let finish = input.finishRequested ?? false;

  setHandler(addSignal, (n: number) => {
    signalsThisRun += 1;
    received.add(n);
    unprocessed.push(n);
  });
  setHandler(finishSignal, () => {
    finish = true;
  });
  setHandler(stateQuery, () => ({
    run,
    received: [...received],
    signalsThisRun,
    unprocessed: unprocessed.length,
    finish,
    batchesThisRun,
  }));

  const mustContinueAsNew = () => signalsThisRun >= input.maxSignalsPerRun || workflowInfo().continueAsNewSuggested;

  for (;;) {
    await condition(() => unprocessed.length > 0 || finish || mustContinueAsNew());
    // Many local activities in a row inside one workflow task while signals keep arriving.
    while (unprocessed.length > 0 && !mustContinueAsNew()) {
      const batch = unprocessed.splice(0, input.batchSize);
      const sleepMs = input.laMinMs + Math.floor(Math.random() * (input.laMaxMs - input.laMinMs));
      await recordBatch(batch, sleepMs);
      batchesThisRun += 1;
    }
    if (mustContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof signalLossWorkflow>({
        ...input,
        run: run + 1,
        carried: [...received],
        carriedUnprocessed: unprocessed,
        finishRequested: finish,
      });
    }
    if (finish && unprocessed.length === 0) {
      await condition(allHandlersFinished);
      if (unprocessed.length === 0) return [...received].sort((a, b) => a - b);
    }
  }
}
