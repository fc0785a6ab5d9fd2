import type { Context, Next } from 'koa';
import { HttpProblem, invalidField } from './problem.js';

/** A body the API reads as JSON: application/json or any +json type (the 415 gate lets exactly these through). */
export const isJsonRequest = (ctx: Context): boolean => Boolean(ctx.is('application/json', '+json'));

/**
 * The body parser's errors carry their status (400 malformed, 413 too large, 415 unknown encoding); one that does
 * not comes from decoding the bytes (gzip that is not gzip): the request's fault, a 400. The connection closes after
 * the answer: a body read part-way (a 413) would otherwise stall the next request sent on it.
 */
export function refuseUnreadableBody(err: Error, ctx: Context): never {
  ctx.set('Connection', 'close');
  if (typeof (err as { status?: unknown }).status === 'number') throw err;
  throw new HttpProblem(
    'unreadable-body',
    'The request body could not be read: send it in the Content-Encoding it names, or without one.',
    { cause: err },
  );
}

/** No request needs more; deeper JSON would overflow whatever walks it recursively (JSON.stringify included). */
const MAX_DEPTH = 32;
/** NUL, which PostgreSQL text and jsonb cannot hold, and unpaired UTF-16 surrogates, which are not Unicode. */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unsafeJson(body: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[body, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return 'text must not contain NUL characters or unpaired surrogates';
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_DEPTH) return `JSON must not be nested more than ${MAX_DEPTH} levels deep`;
      for (const [key, child] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return 'names must not contain NUL characters or unpaired surrogates';
        stack.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses a request no route could take safely, before any route (or the idempotency hash) reads it: a body nested
 * deeper than MAX_DEPTH, or text in the body or query string that would fail in PostgreSQL (a 500, and for an upload
 * or a verification result only after the workflow had taken it).
 */
export async function refuseUnsafeInput(ctx: Context, next: Next): Promise<void> {
  for (const [where, value] of [
    ['request body', ctx.request.body],
    ['query string', ctx.query],
  ] as const) {
    const problem = unsafeJson(value);
    if (problem) {
      throw invalidField(where, problem, `The ${where} is invalid: ${problem}.`);
    }
  }
  await next();
}
