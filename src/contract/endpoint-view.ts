import { z } from 'zod';
import { EndpointFilterSchema } from './endpoint-filter.js';
import {
  BODY_FORMATS,
  MAIL_MODES,
  MailModeSchema,
  RateLimitSchema,
  SIGNATURE_SCHEMES,
  SUBSCRIBABLE_EVENTS,
} from './endpoint-settings.js';
import { EndpointUuidSchema } from './ids.js';
import { nextCursorSchema } from './page.js';

/** What the endpoint routes answer: an endpoint (its secret once), a page of them, a test's result; operational events. */

const time = z.iso.datetime();

export const EndpointSchema = z
  .strictObject({
    id: EndpointUuidSchema,
    url: z.string().nullable().meta({ description: 'Where a URL endpoint POSTs; null for an e-mail endpoint' }),
    email: z.string().nullable().meta({ description: 'Where an e-mail endpoint mails; null for a URL endpoint' }),
    events: z.array(z.enum(SUBSCRIBABLE_EVENTS)),
    description: z.string().nullable(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES).meta({
      description:
        'standard: Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature); ocrolus: Ocrolus HMAC headers',
    }),
    format: z.enum(BODY_FORMATS).meta({
      description: 'The body it receives: bookbell, ocrolus, slack or teams (always bookbell for an e-mail endpoint)',
    }),
    active: z.boolean().meta({ description: 'false once paused, or disabled after failing too long (410 Gone)' }),
    disabled_reason: z.string().nullable().meta({ description: 'Why bookbell disabled it; null otherwise' }),
    failing_since: time.nullable().meta({
      description:
        'Since when every attempt has failed (none got through since): bookbell disables it once this lasts ' +
        'DISABLE_AFTER (5 days unless configured). null while its deliveries get through',
    }),
    slow_since: time.nullable().meta({
      description:
        'Since when it answers slowly (an attempt took a second or more): its deliveries then go out through its ' +
        'delivery workflow, a moment later than with the recording of their events. null once it answers quickly',
    }),
    confirmed_at: time.nullable().meta({
      description:
        'When the address confirmed it wants these mails (through the link of its confirmation message). null while ' +
        'it has not: nothing but that one message is mailed, deliveries wait HELD. Always null for a webhook URL',
    }),
    previous_secret_expires_at: time
      .nullable()
      .meta({ description: 'After a rotation, the old secret also signs until then' }),
    rate_limit: RateLimitSchema,
    mail_mode: z.enum(MAIL_MODES).meta({ description: MailModeSchema.description }),
    digest_hour: z.int().min(0).max(23).nullable().meta({ description: 'mail_mode daily: its hour; null otherwise' }),
    digest_time_zone: z.string().nullable().meta({ description: 'mail_mode daily: its time zone; null otherwise' }),
    filter: EndpointFilterSchema.nullable().meta({ description: 'Which subscribed events it receives; null: all' }),
    filter_skipped: z
      .strictObject({
        count: z.int().min(0).meta({ description: 'Events the filter skipped (no delivery was created)' }),
        since: time.meta({ description: 'When the filter was set: the count starts there' }),
      })
      .nullable()
      .meta({ description: 'What the filter has skipped; null without a filter' }),
    created_at: time,
    updated_at: time,
  })
  .meta({ id: 'Endpoint', description: 'An endpoint (a URL or an e-mail address); its secret is never shown here' });
export type Endpoint = z.infer<typeof EndpointSchema>;

export const EndpointWithSecretSchema = z
  .strictObject({
    ...EndpointSchema.shape,
    secret: z.string().nullable().meta({
      description: 'The signing secret, shown only now: keep it. null for an e-mail endpoint (nothing to sign)',
    }),
  })
  .meta({ id: 'EndpointWithSecret', description: 'An endpoint with its signing secret, shown once' });

export const EndpointListSchema = z
  .strictObject({
    data: z.array(EndpointSchema).meta({ description: 'Oldest first' }),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'EndpointList', description: 'A page of endpoints, oldest first' });

export const EndpointTestResultSchema = z
  .strictObject({
    event_id: z.string(),
    delivered: z.boolean().meta({ description: 'The endpoint answered 2xx (or the mail server took the mail)' }),
    status_code: z.int().nullable(),
    duration_ms: z.int().min(0),
    error: z.string().nullable(),
    response_snippet: z.string().nullable().meta({ description: "The start of the endpoint's answer" }),
  })
  .meta({ id: 'EndpointTestResult', description: 'The one attempt to send a signed TEST event' });
export type EndpointTestResult = z.infer<typeof EndpointTestResultSchema>;

export const EndpointDisabledPayloadSchema = z
  .strictObject({
    event_name: z.literal('endpoint.disabled'),
    endpoint_id: EndpointUuidSchema,
    url: z.string().nullable(),
    email: z.string().nullable(),
    reason: z.string(),
    occurred_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'EndpointDisabledPayload' });

export const OperationalEventSchema = z
  .strictObject({
    id: z.uuid(),
    event_type: z.literal('endpoint.disabled'),
    endpoint_id: EndpointUuidSchema.nullable(),
    occurred_at: time,
    payload: EndpointDisabledPayloadSchema,
  })
  .meta({ id: 'OperationalEvent', description: "An event about the tenant's own endpoints" });

export const OperationalEventListSchema = z
  .strictObject({
    data: z.array(OperationalEventSchema).meta({ description: 'Newest first' }),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'OperationalEventList' });
