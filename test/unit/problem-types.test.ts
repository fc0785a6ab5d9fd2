import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.js';
import { HttpProblem, problemBody } from '../../src/api/problem.js';
import {
  PROBLEM_CODES,
  PROBLEM_KINDS,
  ProblemKindSchema,
  problemType,
  type ProblemCode,
} from '../../src/contract/problem-types.js';
import { fromRoot } from '../../src/paths.js';
import { appWithoutBackends } from '../support/app-without-backends.js';

/** Kinds no single operation answers with: they come before (or instead of) any route. */
const BEFORE_ANY_ROUTE: ProblemCode[] = [
  'malformed-http',
  'request-timeout',
  'headers-too-large',
  'route-not-found',
  'method-not-allowed',
];

describe('the catalogue of problem kinds', () => {
  it('keeps every code it ever had, with its status (codes are part of the contract: only add)', () => {
    expect(PROBLEM_CODES.map((code) => `${PROBLEM_KINDS[code].status} ${code}`)).toEqual([
      '400 invalid-request',
      '400 invalid-json',
      '400 unreadable-body',
      '400 email-not-configured',
      '400 malformed-http',
      '401 api-key-missing',
      '401 api-key-invalid',
      '403 api-key-read-only',
      '404 book-not-found',
      '404 endpoint-not-found',
      '404 delivery-not-found',
      '404 route-not-found',
      '405 method-not-allowed',
      '408 request-timeout',
      '409 book-uuid-taken',
      '409 book-sealed',
      '409 book-complete',
      '409 book-full',
      '409 doc-uuid-taken',
      '409 destination-taken',
      '409 endpoint-unconfirmed',
      '409 confirmation-not-pending',
      '409 delivery-in-progress',
      '409 idempotency-key-in-flight',
      '410 book-expired',
      '410 cursor-expired',
      '413 body-too-large',
      '415 unsupported-media-type',
      '415 unsupported-encoding',
      '422 idempotency-key-reused',
      '429 mail-rate-limited',
      '429 rate-limited',
      '429 too-many-streams',
      '431 headers-too-large',
      '500 internal-error',
      '503 book-unreachable',
      '503 book-busy',
    ]);
  });

  it('has unique, URL-safe codes and complete entries', () => {
    expect(new Set(PROBLEM_CODES).size).toBe(PROBLEM_CODES.length);
    for (const code of PROBLEM_CODES) {
      expect(code).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
      expect(ProblemKindSchema.safeParse(PROBLEM_KINDS[code]).success, code).toBe(true);
      expect(problemType(code).split('/').at(-1)).toBe(code);
    }
  });

  it('is in the OpenAPI document: the Problem schema, and the responses of the operations that answer with it', () => {
    const document = openApiDocument() as any;
    const problem = document.components.schemas.Problem;
    expect(problem.properties.code.enum).toEqual(PROBLEM_CODES);
    expect(problem.properties.type.enum).toEqual(PROBLEM_CODES.map(problemType));
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'code', 'title', 'status', 'detail']));

    const named = new Set<string>();
    for (const [path, item] of Object.entries<any>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          const media = response.content?.['application/problem+json'];
          if (!media) continue;
          for (const [code, example] of Object.entries<any>(media.examples ?? {})) {
            // Each example is a problem of its kind, at the status it is listed under.
            expect(example.value).toMatchObject({ code, type: problemType(code as ProblemCode), status: +status });
            expect(response.description).toContain(`\`${code}\``);
            named.add(code);
          }
        }
      }
    }
    expect(PROBLEM_CODES.filter((code) => !named.has(code) && !BEFORE_ANY_ROUTE.includes(code))).toEqual([]);
  });

  it('links operations by their operationIds', () => {
    const document = openApiDocument() as any;
    const operations = Object.values<any>(document.paths).flatMap((item) => Object.values<any>(item));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const targets = operations.flatMap((operation) =>
      Object.values<any>(operation.responses).flatMap((response) =>
        Object.values<any>(response.links ?? {}).map((link) => link.operationId as string),
      ),
    );
    expect(targets.filter((id) => !ids.includes(id))).toEqual([]);
    const created = document.paths['/v1/books'].post.responses['201'].links.getBook;
    expect(created.parameters).toEqual({ book_uuid: '$response.body#/book_uuid' });
    const hook = document.paths['/v1/endpoints'].post.responses['201'].links;
    expect(Object.keys(hook)).toEqual(expect.arrayContaining(['getEndpoint', 'rotateEndpointSecret', 'testEndpoint']));
  });

  it('builds the body of a kind: type, code, title and status from the catalogue', () => {
    const cause = new Error('deadline');
    const problem = new HttpProblem('book-unreachable', 'The book did not answer.', { cause });
    expect(problemBody(problem, '/v1/books/x')).toEqual({
      type: '/docs/problems/book-unreachable',
      code: 'book-unreachable',
      title: PROBLEM_KINDS['book-unreachable'].title,
      status: 503,
      detail: 'The book did not answer.',
      instance: '/v1/books/x',
    });
    expect(problem.cause).toBe(cause);
  });

  it('is listed in docs/api.md under "Errors"', () => {
    const markdown = readFileSync(fromRoot('docs/api.md'), 'utf8');
    const section = markdown.slice(
      markdown.indexOf('## Errors'),
      markdown.indexOf('\n## ', markdown.indexOf('## Errors') + 1),
    );
    const rows = [...section.matchAll(/^\| `([a-z-]+)` +\| (\d{3}) +\| (.+?) +\|$/gm)].map((m) => [m[1], +m[2]!, m[3]]);
    expect(rows).toEqual(PROBLEM_CODES.map((code) => [code, PROBLEM_KINDS[code].status, PROBLEM_KINDS[code].title]));
  });

  it('has a page under /docs for every kind, and an index', async () => {
    const app = appWithoutBackends();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const index = await fetch(`${base}/docs/problems`);
      expect(index.headers.get('content-type')).toContain('text/html');
      const indexHtml = await index.text();
      for (const code of PROBLEM_CODES) {
        expect(indexHtml).toContain(`href="${problemType(code)}"`);
        const page = await fetch(new URL(problemType(code), `${base}/v1/books`));
        expect(page.status, code).toBe(200);
        expect(page.headers.get('content-type')).toContain('text/html');
        const html = await page.text();
        expect(html).toContain(`code: "${code}"`);
        expect(html).toContain('What to do');
      }
      const unknown = await fetch(`${base}/docs/problems/no-such-kind`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'route-not-found', type: problemType('route-not-found') });
    } finally {
      server.close();
    }
  });
});
