import { createServer, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * A receiver that takes the first request and never answers it (noting when its connection closes), then answers
 * every later one 200.
 */
async function stallingReceiver() {
  const requests: { headers: IncomingMessage['headers']; closedAt?: number }[] = [];
  const server = createServer((req, res) => {
    const request: (typeof requests)[number] = { headers: req.headers };
    requests.push(request);
    req.resume();
    res.on('close', () => (request.closedAt = Date.now()));
    if (requests.length > 1) req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let system: TestSystem | undefined;
afterEach(async () => {
  await system?.stop();
  system = undefined;
});

describe('a delivery attempt cut short by its worker stopping', () => {
  it('ends the request at once, logs it without holding it against the receiver, and the next worker delivers it once', async () => {
    // Without cancellation the stopping worker would wait for this timeout, far beyond the test's.
    system = await startTestSystem({ DELIVERY_TIMEOUT: '90s', ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
    const receiver = await stallingReceiver();
    try {
      const api = crm(system);
      const endpoint = (await api.call('POST', '/v1/endpoints', { url: receiver.url, events: ['BOOK_COMPLETE'] })).body;
      const bookUuid = await api.createBook({ name: 'Cut short' });
      await api.seal(bookUuid);
      await eventually(() => expect(receiver.requests).toHaveLength(1), 30_000);

      await system.stopWorker();
      // The stopped worker's request was aborted, not left open until DELIVERY_TIMEOUT.
      await eventually(() => expect(receiver.requests[0]?.closedAt).toBeDefined(), 10_000);
      // Logged as cut short, not held against the receiver: its failure streak has not started.
      const { rows } = await system.pool.query(`select failing_since from endpoints where tenant_id = $1 and id = $2`, [
        system.tenantId,
        endpoint.id,
      ]);
      expect(rows).toEqual([{ failing_since: null }]);

      await system.startWorker();
      await eventually(async () => {
        const deliveries = (await api.call('GET', `/v1/endpoints/${endpoint.id}/deliveries`)).body.data;
        expect(deliveries).toMatchObject([{ event_type: 'BOOK_COMPLETE', status: 'DELIVERED' }]);
        expect(deliveries[0].attempts).toMatchObject([
          { attempt: 1, status_code: null, error: expect.stringContaining('cut short') },
          { attempt: 2, status_code: 200 },
        ]);
      }, 30_000);
      expect(receiver.requests).toHaveLength(2);
      expect(receiver.requests[1]?.headers['webhook-id']).toBe(receiver.requests[0]?.headers['webhook-id']);
    } finally {
      await receiver.close();
    }
  });
});

describe('a batch of attempts, one cut short by its worker stopping while the others got through', () => {
  it('stops at once: the others stay delivered, and the one cut short is delivered once more', async () => {
    system = await startTestSystem({ DELIVERY_TIMEOUT: '90s', ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
    const receiver = await stallingReceiver();
    try {
      const api = crm(system);
      const endpoint = (
        await api.call('POST', '/v1/endpoints', { url: receiver.url, events: ['VERIFICATION_COMPLETE'] })
      ).body;
      const bookUuid = await api.createBook({ name: 'Half cut short' });
      const docs = [await api.upload(bookUuid), await api.upload(bookUuid)];
      await Promise.all(docs.map((docUuid) => api.verify(bookUuid, docUuid, 'SUCCEEDED')));
      // Both first attempts are under way together (one recording's batch): the first stalls, the second got its 200.
      await eventually(() => expect(receiver.requests).toHaveLength(2), 30_000);

      const stopped = await Promise.race([system.stopWorker().then(() => 'stopped'), sleep(20_000, 'still stopping')]);
      expect(stopped).toBe('stopped');
      await system.startWorker();
      await eventually(async () => {
        const deliveries = (await api.call('GET', `/v1/endpoints/${endpoint.id}/deliveries`)).body.data;
        expect(deliveries.map((delivery: { status: string }) => delivery.status)).toEqual(['DELIVERED', 'DELIVERED']);
      }, 30_000);
      // The stalled one went again with its webhook-id; the one that got through was not sent again.
      expect(receiver.requests).toHaveLength(3);
      expect(receiver.requests[2]?.headers['webhook-id']).toBe(receiver.requests[0]?.headers['webhook-id']);
    } finally {
      await receiver.close();
    }
  });
});
