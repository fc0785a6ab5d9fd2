import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A file of `workflows/`: TypeScript sources under tsx/vitest, compiled JavaScript under dist/. */
export function workflowsFile(name: string): string {
  const candidates = [`../../workflows/${name}.ts`, `../../workflows/${name}.js`].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`bookbell: workflow sources not found at ${candidates.join(' or ')}`);
  return found;
}

/** The workflow bundle's entry. */
export const workflowsPath = (): string => workflowsFile('index');

/** Workflow interceptor modules, bundled with the workflows. */
export const workflowInterceptorModules = (): string[] => [workflowsFile('request-id-interceptors')];

/** The failure converter that puts messages and stack traces into (encrypted) payloads; bundled with the workflows. */
export const failureConverterPath = (): string => workflowsFile('failure-converter');
