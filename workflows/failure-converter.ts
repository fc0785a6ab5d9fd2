import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failures (an activity's error, a workflow's) carry their message and stack trace as an encoded payload instead of
 * plain fields, so the payload codec encrypts them like everything else: a message may quote a receiver's answer, an
 * SMTP reply or an address. Loaded by every client and worker, and bundled into the workflows (data-converter.ts).
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
