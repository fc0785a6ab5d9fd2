import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { failureConverterPath, workflowInterceptorModules, workflowsPath } from './workflow-files.js';

/** Bundles `workflows/` with their interceptors and failure converter, in this process (webpack takes seconds). */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    workflowInterceptorModules: workflowInterceptorModules(),
    failureConverterPath: failureConverterPath(),
    logger: new DefaultLogger('WARN'),
  });
  return { code };
}

/**
 * `bundleWorkflows` in a child process, so webpack's few hundred MB never join the worker's heap: V8 keeps what a
 * heap once grew to, and a worker holding thousands of books needs that room for them (docs/benchmarks.md, "Open
 * books"). The child runs with this process's loader flags (tsx's, when running from sources).
 */
export function bundleWorkflowsApart(): Promise<WorkflowBundle> {
  const here = fileURLToPath(import.meta.url);
  const script = fileURLToPath(new URL(`./workflow-bundle-process${extname(here)}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let code: string | undefined;
    child.once('message', (message: { code: string }) => {
      code = message.code;
    });
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => {
      if (code !== undefined) resolve({ code });
      else reject(new Error(`bookbell: bundling the workflows failed (${signal ?? `exit code ${exitCode}`})`));
    });
  });
}
