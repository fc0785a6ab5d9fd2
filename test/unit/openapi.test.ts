import { Validator } from '@seriousme/openapi-schema-validator';
import type Router from '@koa/router';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { BookAnalytics } from '../../src/analytics/bank-statements.js';
import { openApiDocument } from '../../src/api/openapi.js';
import type { BookAnalyticsSchema } from '../../src/contract/analytics.js';
import { appWithoutBackends } from '../support/app-without-backends.js';

// Pages for people, not API operations: the docs, and the page behind an e-mail confirmation link.
const UNDOCUMENTED = new Set([
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/problems',
  'GET /docs/problems/{code}',
  'GET /confirm/{token}',
  'POST /confirm/{token}',
]);

type Schema = Record<string, any>;

/**
 * Where `schema` (or anything inside it) is loose: `{}` (any value) or an object with no properties and no schema for
 * its values. `$ref`s are followed into `components.schemas`, each once.
 */
function looseSpots(
  schema: Schema,
  components: Record<string, Schema>,
  at: string,
  seen = new Set<string>(),
): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.has(name)) return [];
    seen.add(name);
    const target = components[name];
    return target ? looseSpots(target, components, name, seen) : [`${at}: unresolved ${schema.$ref}`];
  }
  const keys = Object.keys(schema).filter((key) => key !== 'description');
  const types = [schema.type].flat();
  const valueSchema =
    typeof schema.additionalProperties === 'object' && Object.keys(schema.additionalProperties).length;
  if (keys.length === 0) return [`${at}: any value`];
  if (
    types.includes('object') &&
    Object.keys(schema.properties ?? {}).length === 0 &&
    !valueSchema &&
    !schema.patternProperties
  ) {
    return [`${at}: an object without properties`];
  }
  const children: Array<[string, Schema]> = [
    ...Object.entries((schema.properties ?? {}) as Record<string, Schema>).map(([k, v]): [string, Schema] => [
      `.${k}`,
      v,
    ]),
    ...(schema.items ? [['[]', schema.items] as [string, Schema]] : []),
    ...((schema.prefixItems ?? []) as Schema[]).map((v, i): [string, Schema] => [`[${i}]`, v]),
    ...(valueSchema ? [['{}', schema.additionalProperties] as [string, Schema]] : []),
    ...(['anyOf', 'oneOf', 'allOf'] as const).flatMap((k) =>
      ((schema[k] ?? []) as Schema[]).map((v, i): [string, Schema] => [`|${k}${i}`, v]),
    ),
  ];
  return children.flatMap(([path, child]) => looseSpots(child, components, `${at}${path}`, seen));
}

/** Every route the app serves, as "METHOD /path/{param}". */
function servedRoutes(): string[] {
  const app = appWithoutBackends();
  const routes: string[] = [];
  for (const layer of app.middleware) {
    const router = (layer as { router?: Router }).router;
    if (!router) continue;
    for (const route of router.stack) {
      for (const method of route.methods.filter((m) => m !== 'HEAD')) {
        routes.push(`${method} ${String(route.path).replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  }
  return routes.filter((route) => !UNDOCUMENTED.has(route)).sort();
}

describe('OpenAPI document', () => {
  const document = openApiDocument();

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents exactly the routes the API serves', () => {
    const documented = Object.entries(document.paths ?? {})
      .flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(servedRoutes());
  });

  it('takes its request bodies from the zod contracts', () => {
    const schema = (document.paths?.['/v1/books']?.post?.requestBody as any).content['application/json'].schema;
    expect(schema.required).toEqual(['name']);
    expect(Object.keys(schema.properties)).toEqual(['book_uuid', 'name', 'metadata', 'seal_after']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('describes every 2xx body with a schema, never a loose object', () => {
    const components = (document.components?.schemas ?? {}) as Record<string, Schema>;
    const problems: string[] = [];
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item as Record<string, any>)) {
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          if (!/^2\d\d$/.test(status) || status === '204') continue;
          const where = `${method.toUpperCase()} ${path} ${status}`;
          const media = Object.entries((response.content ?? {}) as Record<string, { schema?: Schema }>);
          if (media.length === 0) problems.push(`${where}: no body`);
          for (const [type, { schema }] of media) {
            if (!schema) problems.push(`${where} ${type}: no schema`);
            else problems.push(...looseSpots(schema, components, `${where} ${type}`));
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('names every JSON response body as a component', () => {
    const unnamed = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, any>).flatMap(([method, operation]) =>
        Object.entries(operation.responses as Record<string, any>)
          .filter(([, response]) => response.content?.['application/json'])
          .filter(([, response]) => !response.content['application/json'].schema.$ref)
          .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    expect(unnamed).toEqual([]);
  });

  it('documents the stream: its media type and both ways to resume', () => {
    const stream = document.paths?.['/v1/books/{book_uuid}/stream']?.get as any;
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    expect(stream.parameters.map((p: any) => `${p.in} ${p.name}`)).toEqual([
      'path book_uuid',
      'header Last-Event-ID',
      'query last_event_id',
    ]);
    for (const event of ['book', 'document', 'book.status', 'event', 'delivery', 'analytics']) {
      expect(stream.description).toContain(`| \`${event}\` |`);
    }
    expect(Object.keys(document.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['BookView', 'DocumentView', 'BookStatusChange', 'EventView', 'DeliveryChange']),
    );
  });

  it('keeps the analytics contract the same shape as the analytics module computes', () => {
    // A compile-time check (npm run typecheck): the module's types and the schema cannot drift apart.
    expectTypeOf<z.infer<typeof BookAnalyticsSchema>>().toEqualTypeOf<BookAnalytics>();
  });
});
