import { randomUUID } from 'node:crypto';
import type { BenchInfra } from '../bench/harness.js';
import { HOSTILE_SMTP_BEHAVIOURS, startHostileSmtpServer } from '../support/hostile-smtp.js';
import { drillApi, HOSTILE_ENV, HOSTILE_WINDOW_MS, startDrillCluster } from './cluster.js';

export interface HostileMailRow {
  behaviour: string;
  expected: 'DELIVERED' | 'FAILED';
  /** Connections the server saw, and attempts bookbell logged. */
  connections: number;
  attempts: number;
  outcome: string;
  repeatsAfterSuccess: number;
  /** The delivery still PENDING once its window has passed (must be 0), and sockets bookbell left open. */
  open: number;
  socketsLeft: number;
}

/**
 * One SMTP server (SMTP_URL of the whole cluster) that takes on each behaviour of test/support/hostile-smtp.ts in turn:
 * per behaviour an e-mail endpoint for BOOK_COMPLETE, one book, and a row once its delivery has ended.
 */
export async function runHostileMailDrill(infra: BenchInfra): Promise<HostileMailRow[]> {
  const server = await startHostileSmtpServer(HOSTILE_SMTP_BEHAVIOURS[0] as (typeof HOSTILE_SMTP_BEHAVIOURS)[0]);
  const cluster = await startDrillCluster(infra, { workers: 1, env: { ...HOSTILE_ENV, SMTP_URL: server.url } });
  const call = drillApi(cluster);
  const rows: HostileMailRow[] = [];
  try {
    for (const [i, behaviour] of HOSTILE_SMTP_BEHAVIOURS.entries()) {
      server.behaviour = behaviour;
      const before = { connections: server.connections, accepted: server.accepted };
      // Confirmed already, as a subscription made before e-mail consent: its confirmation message would meet the
      // hostile server too, and the drill counts only the delivery's connections.
      const endpoint = { id: randomUUID() };
      await infra.pool.query(
        `insert into endpoints (tenant_id, id, email, events, signature_scheme, secret, confirmed_at)
         values ($1, $2, $3, '{BOOK_COMPLETE}', 'standard', 'unused', now())`,
        [cluster.tenantId, endpoint.id, `ops+${i}@crm.test`],
      );
      const { book_uuid: bookUuid } = await call('POST', '/v1/books', { name: `hostile mail ${i}` });
      await call('POST', `/v1/books/${bookUuid}/seal`);
      const deadline = Date.now() + 30_000 + 2 * HOSTILE_WINDOW_MS;
      let list: Array<{ status: string; attempts: unknown[] }> = [];
      while (Date.now() < deadline) {
        list = (await call('GET', `/v1/endpoints/${endpoint.id}/deliveries`)).data;
        if (list.length === 1 && list[0]?.status !== 'PENDING') break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      // A while after: a message accepted that comes again is a repeat; a hung-up attempt leaves no socket.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await call('DELETE', `/v1/endpoints/${endpoint.id}`);
      rows.push({
        behaviour: behaviour.name,
        expected: behaviour.expected === 'delivered' ? 'DELIVERED' : 'FAILED',
        connections: server.connections - before.connections,
        attempts: list.reduce((sum, d) => sum + d.attempts.length, 0),
        outcome: list.map((d) => d.status).join(', ') || 'none',
        repeatsAfterSuccess: server.repeatsAfterSuccess,
        open: list.filter((d) => d.status === 'PENDING').length + (1 - list.length),
        socketsLeft: server.open,
      });
    }
    return rows;
  } finally {
    await cluster.stop();
    await server.close();
  }
}

/** Why a row breaks the promise: a repeat, a delivery left open, a socket left open, or another outcome. */
export function hostileMailFailures(row: HostileMailRow): string[] {
  return [
    ...(row.repeatsAfterSuccess > 0 ? [`${row.repeatsAfterSuccess} repeats after success`] : []),
    ...(row.open > 0 ? [`${row.open} still open`] : []),
    ...(row.socketsLeft > 0 ? [`${row.socketsLeft} sockets left open`] : []),
    ...(row.outcome !== row.expected ? [`expected ${row.expected}, got ${row.outcome}`] : []),
  ];
}
