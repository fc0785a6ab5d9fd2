import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { REQUEST_ID_HEADER } from '../../workflows/request-id-header.js';

/** The API request (or activity) being served: what Temporal calls made from it are tagged with. */
const current = new AsyncLocalStorage<string>();

export const runWithRequestId = <T>(requestId: string, fn: () => T): T => current.run(requestId, fn);
export const currentRequestId = (): string | undefined => current.getStore();

function tagged(headers: Headers): Headers {
  const requestId = current.getStore();
  return requestId ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
}

/** Puts the current request id on every workflow start, signal and update a client sends. */
export const requestIdClientInterceptor: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next({ ...input, headers: tagged(input.headers) }),
  signal: (input, next) => next({ ...input, headers: tagged(input.headers) }),
  signalWithStart: (input, next) => next({ ...input, headers: tagged(input.headers) }),
  startUpdate: (input, next) => next({ ...input, headers: tagged(input.headers) }),
  startUpdateWithStart: (input, next) =>
    next({
      ...input,
      workflowStartHeaders: tagged(input.workflowStartHeaders),
      updateHeaders: tagged(input.updateHeaders),
    }),
};

/**
 * Runs each activity under the request id its workflow handed it, so the workflows it signals carry it on, and adds
 * it to the activity's log lines.
 */
export const requestIdActivityInterceptor: ActivityInterceptorsFactory = () => {
  let requestId: string | undefined;
  return {
    inbound: {
      execute: (input, next) => {
        const header = input.headers[REQUEST_ID_HEADER];
        requestId = header ? defaultPayloadConverter.fromPayload<string>(header) : undefined;
        return requestId ? current.run(requestId, () => next(input)) : next(input);
      },
    },
    outbound: {
      getLogAttributes: (input, next) => next(requestId ? { ...input, requestId } : input),
    },
  };
};
