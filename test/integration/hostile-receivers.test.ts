import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * Receivers that answer success with bytes no text column takes (NUL, invalid UTF-8, control characters, a body far
 * past the snippet): each event is delivered once and its attempt logged with a bounded, readable snippet. Once, the
 * attempt log refused NUL and the same event went out every minute, forever.
 */
let system: TestSystem;
let api: ReturnType<typeof crm>;
beforeAll(async () => {
  system = await startTestSystem({
    DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms',
    DELIVERY_WINDOW: '30s',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  });
  api = crm(system);
});
afterAll(async () => {
  await system?.stop();
});

const bodies: Record<string, (res: ServerResponse) => void> = {
  'NUL bytes': (res) => res.end(Buffer.from([0x6f, 0x6b, 0x00, 0x00, 0x21])),
  'invalid UTF-8': (res) => res.end(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80])),
  'control characters': (res) => res.end('\u0001\u0002\u001b[31mred\u007f\r\n'),
  'four megabytes': (res) => res.end(Buffer.alloc(4 * 1024 * 1024, 0x00)),
  'a body that never ends': (res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024, 0x07)), 5);
    res.on('close', () => clearInterval(timer));
  },
};

describe('receivers answering 2xx with hostile bodies', () => {
  it.each(Object.keys(bodies))('%s: delivered once, logged safely', async (name) => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['webhook-id']));
        bodies[name]?.(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const endpoint = (await api.call('POST', '/v1/webhooks', { url, events: ['BOOK_COMPLETE'] })).body;
      const bookUuid = await api.createBook({ name: `hostile ${name}` });
      await api.seal(bookUuid);
      await api.finished(bookUuid);
      const delivery = await eventually(async () => {
        const [found] = (await api.call('GET', `/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
        expect(found?.status).toBe('DELIVERED');
        return found;
      });
      // Still one request a while later: nothing re-sent a success.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(received).toHaveLength(1);
      const { rows } = await system.pool.query<{ response_snippet: string | null }>(
        `select response_snippet from delivery_attempts where tenant_id = $1 and webhook_id = $2`,
        [system.tenantId, endpoint.id],
      );
      expect(rows).toHaveLength(1);
      const snippet = rows[0]?.response_snippet ?? '';
      expect(snippet.length).toBeLessThanOrEqual(2049);
      // eslint-disable-next-line no-control-regex -- looking for exactly those
      expect(snippet).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/);
      expect(delivery.attempts).toHaveLength(1);
      await api.call('DELETE', `/v1/webhooks/${endpoint.id}`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
