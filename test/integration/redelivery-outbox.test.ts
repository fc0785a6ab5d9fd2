import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startBenchInfra, type BenchInfra } from '../bench/harness.js';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem, workflowBundle } from '../support/system.js';

// A file-backed dev server of this file's own: the test stops it and starts it again on the same SQLite file.
let infra: BenchInfra;
beforeAll(async () => {
  await workflowBundle(); // installs the SDK's runtime before the dev server's start would
  infra = await startBenchInfra({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => {
  await infra?.stop();
});

describe('a redelivery while Temporal is away', () => {
  it('answers 202, leaves nothing PENDING without a workflow, and delivers every reopened delivery once it is back', async () => {
    const system = await startTestSystem({
      TEMPORAL_ADDRESS: infra.temporalAddress,
      DELIVERY_RETRY_SCHEDULE: '0s,300ms',
      DELIVERY_WINDOW: '60s',
      ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
    });
    let healthy = false;
    const inbox = await startReceiver(() => ({ status: healthy ? 200 : 400 }));
    try {
      const api = crm(system);
      const refused = await api.call('POST', '/v1/endpoints', {
        url: inbox.url,
        events: ['BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
      });
      const paused = await api.call('POST', '/v1/endpoints', {
        url: `${inbox.url}/paused`,
        events: ['BOOK_COMPLETE'],
      });
      await api.call('PATCH', `/v1/endpoints/${paused.body.id}`, { active: false });
      const since = new Date(Date.now() - 1000).toISOString();
      const bookUuid = await api.createBook({ name: 'Redelivered without Temporal' });
      await api.seal(bookUuid);
      const statuses = async () =>
        (
          await system.pool.query<{ endpoint_id: string; status: string }>(
            `select endpoint_id, status from deliveries where tenant_id = $1 order by endpoint_id, event_id`,
            [system.tenantId],
          )
        ).rows;
      await eventually(async () =>
        expect((await statuses()).map((row) => row.status).sort()).toEqual(['FAILED', 'FAILED', 'HELD']),
      );
      const refusedCount = inbox.requests.length;

      await system.stopWorker();
      await infra.stopTemporal();
      healthy = true;
      // The reopen commits with its outbox entry; the hand-over to Temporal fails, and the API still answers.
      const recovered = await api.call('POST', `/v1/endpoints/${refused.body.id}/recover`, { since });
      expect(recovered.status).toBe(202);
      expect(recovered.body).toEqual({ redelivering: 2 });
      const resumed = await api.call('PATCH', `/v1/endpoints/${paused.body.id}`, { active: true });
      expect(resumed.status).toBe(200);
      expect((await statuses()).map((row) => row.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
      const { rows: outbox } = await system.pool.query(`select 1 from delivery_outbox where tenant_id = $1`, [
        system.tenantId,
      ]);
      expect(outbox).toHaveLength(2);

      await infra.startTemporal();
      await system.startWorker();
      await eventually(async () => {
        expect((await statuses()).map((row) => row.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
      }, 60_000);
      // An entry goes once Temporal has taken its hand-over, which may be after the delivery it started ended.
      await eventually(async () => {
        const { rows: left } = await system.pool.query(`select 1 from delivery_outbox where tenant_id = $1`, [
          system.tenantId,
        ]);
        expect(left).toEqual([]);
      });
      // Once each: the recovered pair to one endpoint, the released BOOK_COMPLETE to the other.
      const delivered = inbox.requests
        .slice(refusedCount)
        .map((request) => `${request.json.event_name} ${request.path}`);
      expect(delivered.sort()).toEqual([
        'ANALYTICS_COMPLETED /hooks',
        'BOOK_COMPLETE /hooks',
        'BOOK_COMPLETE /hooks/paused',
      ]);
    } finally {
      await inbox.close();
      await system.stop();
    }
  }, 120_000);
});
