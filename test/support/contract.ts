import { expect } from 'vitest';
import { z } from 'zod';
import { openApiDocument } from '../../src/api/openapi.js';
import { problemKindFailure } from './hostile-client.js';
import * as analytics from '../../src/contract/analytics.js';
import * as bookView from '../../src/contract/book-view.js';
import * as book from '../../src/contract/book.js';
import * as deliveries from '../../src/contract/deliveries.js';
import * as digests from '../../src/contract/digests.js';
import * as eventFeed from '../../src/contract/event-feed.js';
import * as eventPayload from '../../src/contract/event-payload.js';
import * as health from '../../src/contract/health.js';
import * as problem from '../../src/contract/problem.js';
import * as stream from '../../src/contract/stream.js';
import * as summary from '../../src/contract/summary.js';
import * as endpoints from '../../src/contract/endpoints.js';
import * as endpointView from '../../src/contract/endpoint-view.js';

/** Every named contract schema, by its component name (its `.meta({ id })`). */
const SCHEMAS = new Map(
  [
    analytics,
    bookView,
    book,
    deliveries,
    digests,
    eventFeed,
    eventPayload,
    health,
    problem,
    stream,
    summary,
    endpoints,
    endpointView,
  ]
    .flatMap((module) => Object.values(module))
    .filter((value): value is z.ZodType => value instanceof z.ZodType)
    .flatMap((schema) => {
      const id = schema.meta()?.id;
      return typeof id === 'string' ? [[id, schema] as const] : [];
    }),
);

/** The zod schema behind a component of the OpenAPI document. */
export function schemaFor(ref: string): z.ZodType {
  const schema = SCHEMAS.get(ref.replace('#/components/schemas/', ''));
  if (!schema) throw new Error(`no contract schema named by ${ref}`);
  return schema;
}

export interface SendOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Another key, or null for none. */
  key?: string | null;
}

/**
 * A client that checks every answer against the OpenAPI document: the status must be documented for the route, the
 * media type too, and the body must parse with the zod schema the document names (closed objects: no extra field).
 */
export function contractClient(baseUrl: string, apiKey: string) {
  const document = openApiDocument();
  const seen = new Set<string>();

  /** The route's documented response for `status`, marked as exercised. */
  function documented(method: string, template: string, status: number) {
    const operation = (document.paths?.[template] as Record<string, any> | undefined)?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const response = operation.responses[String(status)];
    expect(response, `${method} ${template} documents ${status}`).toBeDefined();
    seen.add(`${method} ${template} ${status}`);
    return response as { content?: Record<string, { schema: { $ref?: string }; examples?: object }> };
  }

  function conform(method: string, template: string, response: Response, text: string): unknown {
    const where = `${method} ${template} ${response.status}`;
    const { content } = documented(method, template, response.status);
    if (!content) {
      expect(text, `${where} has no body`).toBe('');
      return undefined;
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0] as string;
    const entry = content[mediaType];
    expect(entry, `${where} documents ${mediaType}: ${text.slice(0, 300)}`).toBeDefined();
    if (!mediaType.endsWith('json')) return text;
    const body: unknown = JSON.parse(text);
    if (mediaType === 'application/problem+json') {
      const problem = body as Record<string, unknown>;
      expect(problemKindFailure(problem), `${where}: ${text}`).toBeUndefined();
      // The operation names every kind it answers with, one example each.
      expect(Object.keys(entry?.examples ?? {}), `${where} documents ${String(problem.code)}`).toContain(problem.code);
    }
    const ref = entry?.schema.$ref;
    expect(ref, `${where} names its schema`).toBeDefined();
    const parsed = schemaFor(ref as string).safeParse(body);
    if (!parsed.success) {
      throw new Error(`${where} differs from ${ref}:\n${z.prettifyError(parsed.error)}\n${JSON.stringify(body)}`);
    }
    return body;
  }

  const url = (template: string, options: SendOptions) => {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`${template}: no value for {${name}}`);
      return encodeURIComponent(value);
    });
    return `${baseUrl}${path}${options.query ? `?${new URLSearchParams(options.query).toString()}` : ''}`;
  };
  const headersOf = (options: SendOptions) => ({
    ...(options.key === null ? {} : { authorization: `Bearer ${options.key ?? apiKey}` }),
    ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...options.headers,
  });

  return {
    /** Sends a request to `template` (a path of the document) and returns the checked answer. */
    async send(method: string, template: string, options: SendOptions = {}) {
      const response = await fetch(url(template, options), {
        method,
        headers: headersOf(options),
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: conform(method, template, response, text) as any,
      };
    },
    /** Opens a streaming GET; the status and media type are checked, the body is the caller's to read. */
    async open(template: string, options: SendOptions & { signal: AbortSignal }) {
      const response = await fetch(url(template, options), { headers: headersOf(options), signal: options.signal });
      const { content } = documented('GET', template, response.status);
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0] as string;
      expect(Object.keys(content ?? {})).toContain(mediaType);
      return response;
    },
    /** Documented success responses no request has produced yet. */
    untested(): string[] {
      return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
        Object.entries(item as Record<string, any>).flatMap(([method, operation]) =>
          Object.keys(operation.responses as object)
            .filter((status) => status.startsWith('2'))
            .map((status) => `${method.toUpperCase()} ${path} ${status}`)
            .filter((key) => !seen.has(key)),
        ),
      );
    },
  };
}
