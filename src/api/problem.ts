import type { Socket } from 'node:net';
import type { Context, Next } from 'koa';
import { ZodError, type z } from 'zod';
import type { Logger } from '../logger.js';

export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem the client caused or must know about; its detail is always safe to show. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.name = 'HttpProblem';
  }
}

export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);
/** A 400 for one field of the request body, worded like parseInput's. */
export const invalidField = (field: string, message: string) =>
  new HttpProblem(400, 'Invalid request', `The request body is invalid: ${field}: ${message}`, [{ field, message }]);

/** Parses untrusted input with a zod schema; failures become a 400 naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw validationProblem(parsed.error, where);
}

/** One entry per offending field, in words a CRM developer can act on. */
function fieldErrors(error: ZodError, where: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'is not a known field' }));
    }
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
    return [{ field: path.length > 0 ? path.join('.') : where, message: missing ? 'is required' : issue.message }];
  });
}

function validationProblem(error: ZodError, where: string): HttpProblem {
  const errors = fieldErrors(error, where);
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new HttpProblem(400, 'Invalid request', `The ${where} is invalid: ${detail}`, errors);
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
};

/** Maps every error to problem+json: 4xx carry their message, 5xx never leak internals. */
export function problemMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw notFound(`No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (err) {
      const problem = toProblem(err);
      if (problem.status >= 500) logger.error({ err, requestId: ctx.state.requestId }, 'request failed');
      ctx.status = problem.status;
      if (problem.status === 503) ctx.set('Retry-After', '1');
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: 'about:blank',
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        instance: ctx.path,
        ...(problem.errors ? { errors: problem.errors } : {}),
      };
    }
  };
}

function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof Error && err.name === 'BookBusyError') {
    return new HttpProblem(503, 'Service Unavailable', 'The book is busy with a burst of messages; retry in a second.');
  }
  if (err instanceof ZodError) return validationProblem(err, 'request');
  // Errors from Koa and its body parser carry a status and `expose` for client errors (e.g. malformed JSON).
  const httpError = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    const title = STATUS_TITLES[httpError.status] ?? 'Client Error';
    if (err instanceof SyntaxError) {
      return new HttpProblem(400, 'Invalid JSON', `The request body is not valid JSON: ${err.message}.`);
    }
    return new HttpProblem(httpError.status, title, httpError.expose ? String(httpError.message) : title);
  }
  return new HttpProblem(500, 'Internal Server Error', 'Something went wrong on our side; it has been logged.');
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * For the server's `clientError`: a request node's HTTP parser refuses before the app sees it (bytes that are not
 * HTTP, headers over 16 KB) is answered with problem+json too. Like node's own handler, it answers only on a
 * connection nothing was written to yet, and closes it.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
    const [status, title] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request'];
    const body = JSON.stringify({ type: 'about:blank', title, status, detail: 'The request is not valid HTTP/1.1.' });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return;
  }
  socket.destroy();
}
