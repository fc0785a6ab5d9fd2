// '@temporalio/workflow' in the replay tests' bundle (traced-replay.ts aliases the package name to this file): the SDK
// as it is, but `patched()` and `upsertSearchAttributes()` also report each call (and `patched()` its answer).
import {
  patched as sdkPatched,
  upsertSearchAttributes as sdkUpsertSearchAttributes,
} from '@temporalio/workflow/lib/index.js';
import { traceStep } from './trace-interceptors.js';

export * from '@temporalio/workflow/lib/index.js';

export function patched(patchId: string): boolean {
  const taken = sdkPatched(patchId);
  traceStep({ kind: 'patched', id: patchId, taken });
  return taken;
}

export function upsertSearchAttributes(attributes: Parameters<typeof sdkUpsertSearchAttributes>[0]): void {
  traceStep({ kind: 'searchAttributes', attributes });
  sdkUpsertSearchAttributes(attributes);
}
