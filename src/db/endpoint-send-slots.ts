import type { EndpointId } from '../contract/ids.js';
import type { Pool } from './pool.js';

/** Slots reserved on an endpoint's send schedule. */
export interface SendSlots {
  /** How many consecutive slots were reserved (0: none within the horizon). */
  reserved: number;
  /** When the first reserved slot starts, from now (0: at once). */
  firstInMs: number;
  /** When the slot after the last one reserved starts, from now. */
  nextFreeInMs: number;
}

/**
 * Reserves up to `count` consecutive send slots of an endpoint limited to `perSecond` deliveries a second, none
 * starting more than `horizonMs` from now. Slots are `1 / perSecond` apart on one schedule per endpoint that every
 * worker shares (the row's `next_at`), so the deliveries of all the tenant's books to the endpoint never go faster
 * together; a reservation is first come, first served. Times are the database's, handed back relative to now so the
 * caller's clock does not matter.
 */
export async function reserveSendSlots(
  pool: Pool,
  tenantId: string,
  endpointId: EndpointId,
  perSecond: number,
  count: number,
  horizonMs: number,
): Promise<SendSlots> {
  // start: the first free slot (now, when the endpoint has been idle); lag: how far off it is; k: the slots taken.
  const start = 'greatest(s.next_at, now())';
  const lag = `extract(epoch from ${start} - now())`;
  const k = `case when ${lag} > $5::float8 then 0
                  else least($4::int, floor(($5::float8 - ${lag}) * $3::float8)::int + 1) end`;
  const result = await pool.query<{ reserved: number; next_free_in_ms: number }>(
    `insert into endpoint_send_slots as s (tenant_id, endpoint_id, next_at, reserved)
     select $1::text, $2::uuid, now() + make_interval(secs => r.k / $3::float8), r.k
     from (select least($4::int, floor($5::float8 * $3::float8)::int + 1) as k) r
     on conflict (tenant_id, endpoint_id) do update set
       next_at = ${start} + make_interval(secs => (${k}) / $3::float8),
       reserved = ${k}
     returning reserved, extract(epoch from next_at - now()) * 1000 as next_free_in_ms`,
    [tenantId, endpointId, perSecond, count, horizonMs / 1000],
  );
  const row = result.rows[0] as { reserved: number; next_free_in_ms: number };
  const nextFreeInMs = Math.max(0, Number(row.next_free_in_ms));
  return {
    reserved: row.reserved,
    firstInMs: Math.max(0, nextFreeInMs - (row.reserved * 1000) / perSecond),
    nextFreeInMs,
  };
}
