import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Worker, type InjectedSinks, type WorkflowBundle } from '@temporalio/worker';
import { failureConverterPath, workflowInterceptorModules, workflowsPath } from '../../src/temporal/workflow-files.js';
import { testDataConverter } from '../support/payload-keys.js';
import { installTestRuntime } from '../support/system.js';
import type { TraceSinks, TraceStep } from './trace-interceptors.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

let bundle: Promise<WorkflowBundle> | undefined;

/**
 * The worker's bundle of `workflows/` (same entry, interceptors and failure converter) plus trace-interceptors.ts,
 * with '@temporalio/workflow' resolved to patched-shim.ts: it issues the same commands and reports each step.
 */
export function tracingBundle(): Promise<WorkflowBundle> {
  if (!bundle) {
    installTestRuntime();
    bundle = bundleWorkflowCode({
      workflowsPath: workflowsPath(),
      workflowInterceptorModules: [...workflowInterceptorModules(), here('./trace-interceptors.ts')],
      failureConverterPath: failureConverterPath(),
      logger: new DefaultLogger('WARN'),
      webpackConfigHook: (config) => {
        // `$`: the package's name exactly; the shim and the interceptors import the SDK by its file.
        const alias = { ...(config.resolve?.alias as object), '@temporalio/workflow$': here('./patched-shim.ts') };
        return { ...config, resolve: { ...config.resolve, alias } };
      },
    }).then(({ code }) => ({ code }));
  }
  return bundle;
}

/** 8 hex digits of the sha256 of a value's JSON, its objects' keys sorted (their order in the code is no change). */
function hash(value: unknown): string {
  const json = JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
  return createHash('sha256')
    .update(json ?? 'undefined')
    .digest('hex')
    .slice(0, 8);
}

/** A step as one line: what the code decided (ids, summaries, durations), hashes for inputs and results. */
function line(step: TraceStep): string {
  switch (step.kind) {
    case 'patched':
      return `patched ${step.id} ${step.taken}`;
    case 'activity':
      return `activity ${step.type}${step.summary === undefined ? '' : ` ${JSON.stringify(step.summary)}`} args#${hash(step.args)}`;
    case 'timer':
      return `timer ${step.ms}`;
    case 'searchAttributes':
      return `searchAttributes #${hash(step.attributes)}`;
    case 'signal':
    case 'update':
      return `${step.kind} ${step.name}`;
    case 'continueAsNew':
      return `continueAsNew args#${hash(step.args)}`;
    case 'result':
      return `result #${hash(step.value)}`;
    case 'fails':
      return `fails ${step.error}`;
  }
}

/** What a replayed workflow did, step by step. */
export interface Trace {
  workflowType: string;
  /** One line each (`line`). */
  steps: string[];
}

/** Replays a recorded history on the tracing bundle; rejects as `Worker.runReplayHistory` does when it does not replay. */
export async function replayTraced(path: string, workflowId: string): Promise<Trace> {
  const history = historyFromJSON(JSON.parse(readFileSync(path, 'utf8')));
  const trace: Trace = { workflowType: '?', steps: [] };
  const sinks: InjectedSinks<TraceSinks> = {
    trace: {
      step: {
        fn: (info, step) => {
          trace.workflowType = info.workflowType;
          trace.steps.push(line(step));
        },
        callDuringReplay: true,
      },
    },
  };
  // With the roles' codec: histories recorded in the clear pass through it, as old books' do.
  await Worker.runReplayHistory(
    { workflowBundle: await tracingBundle(), dataConverter: testDataConverter(), sinks },
    history,
    workflowId,
  );
  return trace;
}
