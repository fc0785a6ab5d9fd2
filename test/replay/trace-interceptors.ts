// Bundled with the workflows by the replay tests only (traced-replay.ts), never by the worker. It imports the SDK by
// its file, not as '@temporalio/workflow': in that bundle the package name is patched-shim.ts, which imports this.
import { ContinueAsNew, proxySinks, type Sinks, type WorkflowInterceptors } from '@temporalio/workflow/lib/index.js';

/** One step of a replayed workflow, as the replay tests compare it (traced-replay.ts writes it as one line). */
export type TraceStep =
  | { kind: 'patched'; id: string; taken: boolean }
  | { kind: 'activity'; type: string; summary: string | undefined; args: unknown[] }
  | { kind: 'timer'; ms: number }
  | { kind: 'searchAttributes'; attributes: unknown }
  | { kind: 'signal'; name: string }
  | { kind: 'update'; name: string }
  | { kind: 'continueAsNew'; args: unknown[] }
  | { kind: 'result'; value: unknown }
  | { kind: 'fails'; error: string };

export interface TraceSinks extends Sinks {
  trace: { step(step: TraceStep): void };
}

const { trace } = proxySinks<TraceSinks>();

/** Reports a step to the replay test (a sink called during replay too). */
export const traceStep = (step: TraceStep): void => trace.step(step);

/** An interceptor that reports the step of its input and passes the input on. */
const reporting =
  <I, O>(step: (input: I) => TraceStep) =>
  (input: I, next: (input: I) => O): O => {
    traceStep(step(input));
    return next(input);
  };

/** Reports what the workflow does at each of the SDK's interceptor points, and passes everything on unchanged. */
export function interceptors(): WorkflowInterceptors {
  return {
    outbound: [
      {
        scheduleActivity: reporting((input) => ({
          kind: 'activity',
          type: input.activityType,
          summary: input.options.summary,
          args: input.args,
        })),
        startTimer: reporting((input) => ({ kind: 'timer', ms: input.durationMs })),
        continueAsNew: reporting((input) => ({ kind: 'continueAsNew', args: input.args })),
      },
    ],
    inbound: [
      {
        handleSignal: reporting((input) => ({ kind: 'signal', name: input.signalName })),
        handleUpdate: reporting((input) => ({ kind: 'update', name: input.name })),
        execute: async (input, next) => {
          try {
            const value = await next(input);
            traceStep({ kind: 'result', value });
            return value;
          } catch (err) {
            if (!(err instanceof ContinueAsNew)) traceStep({ kind: 'fails', error: (err as Error).name });
            throw err;
          }
        },
      },
    ],
  };
}
