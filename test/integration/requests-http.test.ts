import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/paths.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/** requests.http, sent as an editor's HTTP client sends it: its variables filled in, each request in order. */

interface HttpRequest {
  title: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The file's requests, `{{name}}` replaced by its `@name = value` lines (with `overrides` winning). */
function parseRequests(text: string, overrides: Record<string, string>): HttpRequest[] {
  const variables: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(/^@(\w+) = (.*)$/gm)) variables[name as string] = value as string;
  Object.assign(variables, overrides);
  const fill = (value: string) =>
    value.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      expect(variables, `{{${name}}}`).toHaveProperty(name);
      return variables[name] as string;
    });
  return text
    .split(/^###/m)
    .slice(1)
    .map((block) => {
      const [title = '', ...rest] = block.split('\n');
      const blank = rest.findIndex((line) => line.trim() === '');
      const head = (blank === -1 ? rest : rest.slice(0, blank)).filter((line) => !line.startsWith('#'));
      const body =
        blank === -1
          ? ''
          : rest
              .slice(blank + 1)
              .join('\n')
              .trim();
      const [method = '', url = ''] = (head[0] ?? '').split(' ');
      const headers = Object.fromEntries(
        head.slice(1).map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim(), fill(line.slice(colon + 1).trim())];
        }),
      );
      return { title: title.trim(), method, url: fill(url), headers, body: body ? fill(body) : undefined };
    });
}

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
});
afterAll(() => system?.stop());

describe('requests.http', () => {
  it('runs from the top against a real system: each answers 2xx, or the status its title names', async () => {
    const requests = parseRequests(readFileSync(fromRoot('requests.http'), 'utf8'), {
      api: system.apiUrl,
      key: system.apiKey,
    });
    expect(requests.map((request) => request.method)).not.toContain('');
    for (const request of requests) {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      const text = await response.text();
      const expected = /\b([45]\d\d)\b/.exec(request.title)?.[1];
      if (expected) expect(response.status, `${request.title}: ${text}`).toBe(Number(expected));
      else expect(response.ok, `${request.title}: ${response.status} ${text}`).toBe(true);
    }
  });
});
