import type { Socket } from 'node:net';
import type { Context, Next } from 'koa';
import { ZodError, type z } from 'zod';
import type { Problem } from '../contract/problem.js';
import { PROBLEM_KINDS, problemType, type CodeOf, type ProblemCode } from '../contract/problem-types.js';
import type { Logger } from '../logger.js';

export interface FieldError {
  field: string;
  message: string;
}

/** What a problem may carry besides its detail. */
export interface ProblemExtras {
  errors?: FieldError[] | undefined;
  cause?: unknown;
  /** Seconds for the answer's Retry-After header (a 429). */
  retryAfterSeconds?: number | undefined;
}

/** An RFC 9457 problem of a catalogued kind (src/contract/problem-types.ts); its detail is always safe to show. */
export class HttpProblem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ProblemCode, detail: string, extras: ProblemExtras = {}) {
    super(detail, extras.cause === undefined ? undefined : { cause: extras.cause });
    this.name = 'HttpProblem';
    this.code = code;
    this.status = PROBLEM_KINDS[code].status;
    this.title = PROBLEM_KINDS[code].title;
    this.errors = extras.errors;
    this.retryAfterSeconds = extras.retryAfterSeconds;
  }

  get detail(): string {
    return this.message;
  }
}

export const notFound = (code: CodeOf<404>, detail: string) => new HttpProblem(code, detail);
export const conflict = (code: CodeOf<409>, detail: string) => new HttpProblem(code, detail);
export const gone = (code: CodeOf<410>, detail: string) => new HttpProblem(code, detail);
/** A 400 for one field of the request, worded like parseInput's. */
export const invalidField = (
  field: string,
  message: string,
  detail = `The request body is invalid: ${field}: ${message}`,
) => new HttpProblem('invalid-request', detail, { errors: [{ field, message }] });

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
  return new HttpProblem('invalid-request', `The ${where} is invalid: ${detail}`, { errors });
}

/** The kind of an error Koa, its router or its body parser threw with a client-error status. */
const FRAMEWORK_KINDS: Partial<Record<number, ProblemCode>> = {
  400: 'unreadable-body',
  404: 'route-not-found',
  405: 'method-not-allowed',
  413: 'body-too-large',
  415: 'unsupported-encoding',
};

/** The problem+json body of a problem, as every answer and answerClientError write it. */
export function problemBody(problem: HttpProblem, instance?: string): Problem {
  return {
    type: problemType(problem.code),
    code: problem.code,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    ...(instance === undefined ? {} : { instance }),
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
}

/** Maps every error to problem+json: 4xx carry their message, 5xx never leak internals. */
export function problemMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw notFound('route-not-found', `No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (err) {
      const problem = toProblem(err);
      if (problem.status >= 500) logger.error({ err, requestId: ctx.state.requestId }, 'request failed');
      ctx.status = problem.status;
      if (problem.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(problem.retryAfterSeconds));
      else if (problem.status === 503) ctx.set('Retry-After', '1');
      ctx.type = 'application/problem+json';
      ctx.body = problemBody(problem, ctx.path);
    }
  };
}

function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof Error && err.name === 'BookBusyError') {
    return new HttpProblem('book-busy', 'The book is busy with a burst of messages; retry in a second.');
  }
  if (err instanceof ZodError) return validationProblem(err, 'request');
  // Errors from Koa and its body parser carry a status and `expose` for client errors (e.g. malformed JSON).
  const httpError = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    if (err instanceof SyntaxError) {
      return new HttpProblem('invalid-json', `The request body is not valid JSON: ${err.message}.`);
    }
    const code = FRAMEWORK_KINDS[httpError.status] ?? 'invalid-request';
    return new HttpProblem(code, httpError.expose ? String(httpError.message) : PROBLEM_KINDS[code].description);
  }
  return new HttpProblem('internal-error', 'Something went wrong on our side; it has been logged.');
}

const CLIENT_ERRORS: Record<string, ProblemCode> = {
  HPE_HEADER_OVERFLOW: 'headers-too-large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request-timeout',
};

/**
 * For the server's `clientError`: a request node's HTTP parser refuses before the app sees it (bytes that are not
 * HTTP, headers over 16 KB) is answered with problem+json too. Like node's own handler, it answers only on a
 * connection nothing was written to yet, and closes it.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
    const problem = new HttpProblem(
      CLIENT_ERRORS[err.code ?? ''] ?? 'malformed-http',
      'The request is not valid HTTP/1.1.',
    );
    const { status, title } = problem;
    const body = JSON.stringify(problemBody(problem));
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return;
  }
  socket.destroy();
}
