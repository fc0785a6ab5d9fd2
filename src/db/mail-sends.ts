import type { PoolClient } from './pool.js';

/** At most `perAddress` mails to one address and `perTenant` in all, within `windowMs`. */
export interface MailLimits {
  perAddress: number;
  perTenant: number;
  windowMs: number;
}

/** Counted, or refused: the limit reached and how long until a mail falls out of the window. */
export type MailSendCount = { counted: true } | { counted: false; limit: 'address' | 'tenant'; retryAfterMs: number };

/**
 * Counts a mail the tenant asked for (a test event, a confirmation) against its limits, in the caller's transaction,
 * or refuses it. A transaction-scoped lock on the tenant serialises its counts across API processes: two requests
 * cannot both take the last mail of a window. Addresses count case-insensitively.
 */
export async function countMailSend(
  client: Pick<PoolClient, 'query'>,
  tenantId: string,
  email: string,
  limits: MailLimits,
): Promise<MailSendCount> {
  const address = email.toLowerCase();
  await client.query(`select pg_advisory_xact_lock(hashtextextended('mail-sends:' || $1::text, 0))`, [tenantId]);
  await client.query(
    `delete from mail_sends where tenant_id = $1::text and sent_at <= now() - $2::bigint * interval '1 millisecond'`,
    [tenantId, limits.windowMs],
  );
  // For each limit: the send whose leaving the window frees a place (the limit-th newest), if the limit is reached.
  const result = await client.query<{ address_ms: string | null; tenant_ms: string | null }>(
    `select
       (select extract(epoch from (sent_at + $3::bigint * interval '1 millisecond' - now())) * 1000
        from mail_sends where tenant_id = $1::text and email = $2::text
        order by sent_at desc offset $4::int - 1 limit 1) as address_ms,
       (select extract(epoch from (sent_at + $3::bigint * interval '1 millisecond' - now())) * 1000
        from mail_sends where tenant_id = $1::text
        order by sent_at desc offset $5::int - 1 limit 1) as tenant_ms`,
    [tenantId, address, limits.windowMs, limits.perAddress, limits.perTenant],
  );
  const row = result.rows[0];
  const refused = (limit: 'address' | 'tenant', ms: string | null) =>
    ms === null ? undefined : { counted: false as const, limit, retryAfterMs: Math.max(0, Math.ceil(Number(ms))) };
  const refusal = refused('tenant', row?.tenant_ms ?? null) ?? refused('address', row?.address_ms ?? null);
  if (refusal) return refusal;
  await client.query('insert into mail_sends (tenant_id, email) values ($1::text, $2::text)', [tenantId, address]);
  return { counted: true };
}
