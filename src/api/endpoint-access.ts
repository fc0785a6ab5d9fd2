// What every endpoint route shares: its dependencies, the tenant's endpoint or a 404, and the endpoint as shown.
import type { Client } from '@temporalio/client';
import type { Endpoint } from '../contract/endpoint-view.js';
import { EndpointIdSchema } from '../contract/ids.js';
import type { Keyring } from '../crypto/keyring.js';
import { findEndpoint, type EndpointRow } from '../db/endpoints.js';
import type { MailLimits } from '../db/mail-sends.js';
import type { Pool } from '../db/pool.js';
import type { Mailer } from '../delivery/mailer.js';
import type { EndpointSender } from '../delivery/send.js';
import type { DestinationPolicy } from '../delivery/ssrf.js';
import type { Logger } from '../logger.js';
import { notFound, parseInput } from './problem.js';

export interface EndpointRouteDeps {
  pool: Pool;
  /** Seals signing secrets in PostgreSQL (SECRET_KEYS). */
  secrets: Keyring;
  temporal: Client;
  taskQueue: string;
  /** Sends test events (the same SSRF policy as deliveries). */
  sender: EndpointSender;
  /** Absent without SMTP_URL: e-mail endpoints are then refused. */
  mailer?: Mailer | undefined;
  timeoutMs: number;
  destinations: DestinationPolicy;
  allowHttp: boolean;
  /** How long the old secret keeps signing after a rotation. */
  rotationGraceMs: number;
  logger: Logger;
  /** Limits on test events to addresses and confirmation messages (MAIL_RATE_*). */
  mailLimits: MailLimits;
  /** Where confirmation links point: PUBLIC_URL, else the API's own address (known once it listens). */
  confirmationLinkBase: () => string;
  /** PUBLIC_URL: console links in the Slack and Teams formats (test events, previews); none without it. */
  publicUrl?: string | undefined;
}

/** An endpoint as the API shows it: never its secret (shown once, on create and rotation). */
export function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    url: row.url,
    email: row.email,
    events: row.events,
    description: row.description,
    signature_scheme: row.signature_scheme,
    format: row.format,
    active: row.active,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since?.toISOString() ?? null,
    slow_since: row.slow_since?.toISOString() ?? null,
    confirmed_at: row.confirmed_at?.toISOString() ?? null,
    previous_secret_expires_at: row.previous_secret_expires_at?.toISOString() ?? null,
    rate_limit: row.rate_limit,
    filter: row.filter,
    filter_skipped:
      row.filter && row.skipped_since ? { count: row.skipped_count, since: row.skipped_since.toISOString() } : null,
    mail_mode: row.mail_mode,
    digest_hour: row.digest_hour,
    digest_time_zone: row.digest_time_zone,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The tenant's endpoint with that id, or a 404 (another tenant's endpoint is never found). */
export async function requireEndpoint(pool: Pool, tenantId: string, rawId: string): Promise<EndpointRow> {
  const id = parseInput(EndpointIdSchema, rawId, 'id');
  const row = await findEndpoint(pool, tenantId, id);
  if (!row) throw notFound('endpoint-not-found', `Endpoint ${id} does not exist.`);
  return row;
}
