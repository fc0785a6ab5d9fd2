import type { ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import { BookUuidSchema } from '../contract/book.js';
import { ProblemSchema, type Problem } from '../contract/problem.js';
import { PROBLEM_KINDS, problemType, type ProblemCode } from '../contract/problem-types.js';
import { EndpointIdSchema } from '../contract/ids.js';

/** The building blocks of the OpenAPI document's operations: responses, problems, parameters, links. */

export const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** What a problem of `code` looks like, for the examples of the responses that may carry it. */
const exampleOf = (code: ProblemCode): Problem => {
  const { status, title, description } = PROBLEM_KINDS[code];
  return {
    type: problemType(code),
    code,
    title,
    status,
    detail: description,
    ...(code === 'invalid-request' ? { errors: [{ field: 'name', message: 'is required' }] } : {}),
  };
};

/** A problem+json response that carries one of `codes` (all of one status): named in its description, one example each. */
const problem = (codes: ProblemCode[]) => ({
  description: codes.map((code) => `\`${code}\`: ${PROBLEM_KINDS[code].description}`).join(' '),
  // A 429 says when to come back.
  ...(codes.some((code) => PROBLEM_KINDS[code].status === 429)
    ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } } } }
    : {}),
  content: {
    'application/problem+json': {
      schema: ProblemSchema,
      examples: Object.fromEntries(
        codes.map((code) => [code, { summary: PROBLEM_KINDS[code].title, value: exampleOf(code) }]),
      ),
    },
  },
});

/** The problem responses for these kinds, one per status. */
function problemResponses(codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const { status } = PROBLEM_KINDS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [String(status), problem(list)]));
}

export const bookParams = { path: z.object({ book_uuid: BookUuidSchema }) };
export const endpointParams = { path: z.object({ id: EndpointIdSchema }) };
export const body = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema } } });
const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .optional()
  .meta({
    description: 'A repeat of the same POST within 24 hours (IDEMPOTENCY_KEY_TTL) gets the first answer again',
  });

/** Whatever reads a request body may find it unreadable, too large, or not JSON. */
export const BODY_PROBLEMS: ProblemCode[] = [
  'invalid-json',
  'unreadable-body',
  'body-too-large',
  'unsupported-media-type',
  'unsupported-encoding',
];

export type Operation = Omit<ZodOpenApiOperationObject, 'summary' | 'operationId'> & {
  operationId: string;
  /** The kinds of problem this operation may answer with besides those every /v1 operation may. */
  problems?: ProblemCode[];
};

/** Every /v1 operation needs a key and may fail on our side; one with input may find it invalid. */
export function op(summary: string, { problems = [], ...operation }: Operation): ZodOpenApiOperationObject {
  const takesInput = operation.requestParams !== undefined || operation.requestBody !== undefined;
  // The query schemas are strict, which parameters cannot say: the description does.
  const strictQuery = operation.requestParams?.query ? 'A query parameter not listed here is refused (400).' : '';
  const description = [operation.description, strictQuery].filter(Boolean).join('\n\n');
  return {
    summary,
    ...operation,
    ...(description ? { description } : {}),
    responses: {
      ...operation.responses,
      ...problemResponses([
        ...(takesInput ? (['invalid-request'] as const) : []),
        ...problems,
        'api-key-missing',
        'api-key-invalid',
        'rate-limited',
        'internal-error',
      ]),
    },
  };
}

/** What an operation that changes something (POST, PATCH, DELETE) may answer with: a read-only key is refused. */
const writeProblems = (operation: Operation): ProblemCode[] => [
  ...BODY_PROBLEMS,
  ...(operation.problems ?? []),
  'api-key-read-only',
];

/** A POST: also takes an Idempotency-Key, and a body. */
export function post(summary: string, operation: Operation): ZodOpenApiOperationObject {
  return op(summary, {
    ...operation,
    requestParams: { ...operation.requestParams, header: z.object({ 'Idempotency-Key': idempotencyKey }) },
    problems: [...writeProblems(operation), 'idempotency-key-in-flight', 'idempotency-key-reused'],
  });
}

/** OpenAPI links: the operations a response leads to, with where their parameters come from. */
export const links = (to: Record<string, Record<string, string>>) =>
  Object.fromEntries(Object.entries(to).map(([operationId, parameters]) => [operationId, { operationId, parameters }]));
