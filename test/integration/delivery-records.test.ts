import { describe, expect, it } from 'vitest';
import { finishDelivery, holdDelivery, recordAttempt } from '../../src/db/delivery-records.js';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem } from '../support/system.js';

describe('a delivered delivery', () => {
  it('stays DELIVERED whatever a late or repeated attempt record says', async () => {
    const system = await startTestSystem({ ENDPOINT_ALLOWED_HOSTS: '127.0.0.1' });
    const inbox = await startReceiver();
    try {
      const api = crm(system);
      const endpoint = (await api.call('POST', '/v1/endpoints', { url: inbox.url, events: ['BOOK_COMPLETE'] })).body;
      const bookUuid = await api.createBook({ name: 'Delivered once' });
      await api.seal(bookUuid);
      const listed = async () => (await api.call('GET', `/v1/endpoints/${endpoint.id}/deliveries`)).body.data;
      const [delivered] = await eventually(async () => {
        const rows = await listed();
        expect(rows).toMatchObject([{ status: 'DELIVERED' }]);
        return rows;
      });

      // What a retried activity (a worker that died after the request went out) or a late batch would write.
      const key = { tenantId: system.tenantId, eventId: delivered.event_id, endpointId: endpoint.id };
      await recordAttempt(system.pool, key, { number: 1, statusCode: 500, durationMs: 5, error: 'HTTP 500' }, 'FAILED');
      await recordAttempt(system.pool, key, { number: 2, durationMs: 5, error: 'timeout' }, 'FAILED');
      await recordAttempt(system.pool, key, { number: 3, durationMs: 5, error: 'timeout' });
      await finishDelivery(system.pool, key, 'FAILED', 'endpoint deleted');
      await system.pool.query('update endpoints set active = false where tenant_id = $1 and id = $2', [
        system.tenantId,
        endpoint.id,
      ]);
      expect(await holdDelivery(system.pool, key)).toBe(false);

      const [after] = await listed();
      expect(after).toMatchObject({ status: 'DELIVERED', finished_at: delivered.finished_at });
      expect(after.attempts[0]).toMatchObject({ attempt: 1, status_code: 200 });
      expect(inbox.requests).toHaveLength(1);
    } finally {
      await inbox.close();
      await system.stop();
    }
  });
});
