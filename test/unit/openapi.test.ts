import { Validator } from '@seriousme/openapi-schema-validator';
import type Router from '@koa/router';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openApiDocument } from '../../src/api/openapi.js';
import { WebhookSender } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';
import { createLogger } from '../../src/logger.js';

const UNDOCUMENTED = new Set(['GET /openapi.json', 'GET /docs']);

/** Every route the app serves, as "METHOD /path/{param}". */
function servedRoutes(): string[] {
  const destinations = new DestinationPolicy();
  const app = createApp({
    pool: {} as never,
    temporal: {} as never,
    taskQueue: 'x',
    logger: createLogger('silent'),
    webhooks: {
      destinations,
      sender: new WebhookSender(destinations),
      allowHttp: true,
      timeoutMs: 1,
      rotationGraceMs: 1,
    },
  });
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
});
