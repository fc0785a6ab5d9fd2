import type { Payload } from '@temporalio/common';
import type { Headers, WorkflowInterceptors } from '@temporalio/workflow';
import { REQUEST_ID_HEADER } from './request-id-header.js';

/**
 * Hands the request id of the latest start, signal or update (in history order, so replay sees the same) to every
 * activity the workflow schedules after it. The state lives in this factory's closure: one per workflow run.
 */
export function interceptors(): WorkflowInterceptors {
  let latest: Payload | undefined;
  const remember = (headers: Headers) => {
    latest = headers[REQUEST_ID_HEADER] ?? latest;
  };
  return {
    inbound: [
      {
        execute: (input, next) => {
          remember(input.headers);
          return next(input);
        },
        handleSignal: (input, next) => {
          remember(input.headers);
          return next(input);
        },
        handleUpdate: (input, next) => {
          remember(input.headers);
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) =>
          next(latest ? { ...input, headers: { ...input.headers, [REQUEST_ID_HEADER]: latest } } : input),
        scheduleLocalActivity: (input, next) =>
          next(latest ? { ...input, headers: { ...input.headers, [REQUEST_ID_HEADER]: latest } } : input),
      },
    ],
  };
}
