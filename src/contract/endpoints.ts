import { z } from 'zod';
import { EVENT_TYPES } from './book.js';
import { DeliveryStatusSchema } from './deliveries.js';
import { EndpointFilterSchema } from './endpoint-filter.js';
import { EndpointUuidSchema } from './ids.js';
import { nextCursorSchema, pageQuery } from './page.js';

export const SIGNATURE_SCHEMES = ['standard', 'ocrolus'] as const;
/** The body a URL endpoint receives: bookbell's own JSON, Ocrolus's webhook bodies, a Slack or a Teams message. */
export const BODY_FORMATS = ['bookbell', 'ocrolus', 'slack', 'teams'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];
const format = z.enum(BODY_FORMATS, { error: `must be one of ${BODY_FORMATS.join(', ')}` }).meta({
  description:
    "The body a URL endpoint receives: bookbell (the event as bookbell's JSON, the default), ocrolus (Ocrolus's " +
    'webhook event names and fields), slack (a Slack incoming-webhook message), teams (an Adaptive Card for a Teams ' +
    'workflow). Every format is signed alike. An e-mail endpoint gets mail: only bookbell is accepted for it',
});
/** Why `format` does not suit an e-mail endpoint (its mails have their own layout), or undefined. */
export const emailFormatRefusal = (value: BodyFormat | undefined): string | undefined =>
  value === undefined || value === 'bookbell'
    ? undefined
    : 'applies to URL endpoints only: an e-mail endpoint receives mail (only "bookbell" is accepted)';

const url = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  // Runs even when the URL check failed: an unparsable value must not throw here.
  .refine((value) => !URL.canParse(value) || (!new URL(value).username && !new URL(value).password), {
    error: 'must not carry credentials; use the signature to authenticate bookbell',
  })
  .meta({
    // http(s), and no user:password@ before the host.
    override: { pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@]+(?:[/?#].*)?$' },
    description:
      'Where an endpoint POSTs. https unless the server allows http; the host must not be a private, loopback or ' +
      'link-local address unless the server allows it',
  });
/** Book events, and operational events about the tenant's own endpoints. */
export const SUBSCRIBABLE_EVENTS = [...EVENT_TYPES, 'endpoint.disabled'] as const;
export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];
const events = z
  .array(z.enum(SUBSCRIBABLE_EVENTS, { error: `must be one of ${SUBSCRIBABLE_EVENTS.join(', ')}` }))
  .min(1, { error: 'must name at least one event' })
  .refine((list) => new Set(list).size === list.length, { error: 'must not repeat an event' })
  .meta({ override: { uniqueItems: true } });
// At least 3 characters once trimmed: a non-blank first and last with something between.
const description = z
  .string()
  .trim()
  .min(3)
  .max(255)
  .meta({ override: { pattern: '\\S[\\s\\S]+\\S' } });
/** Standard Webhooks secrets are `whsec_` + base64 of 24–64 bytes; Ocrolus takes 16–128 characters. */
const secret = z.string().min(16).max(128);

const STANDARD_SECRET = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;
/** STANDARD_SECRET of 24 to 64 bytes, for the OpenAPI document: 8–21 groups of 4, then 1 or 2 more bytes. */
const B64 = '[A-Za-z0-9+/]';
export const STANDARD_SECRET_PATTERN = `^whsec_(?:(?:${B64}{4}){8,21}(?:${B64}{2}==)?|(?:${B64}{4}){8,20}${B64}{3}=)$`;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const OCROLUS_SECRET = /^[^\u0000-\u001F\u007F]*$/;

/**
 * Why a secret cannot sign for a scheme, or undefined when it can: every secret the API accepts must sign every later
 * delivery (a secret that could not once made each attempt throw and its deliveries wait forever).
 */
export function secretRefusal(scheme: (typeof SIGNATURE_SCHEMES)[number], value: string): string | undefined {
  if (scheme === 'ocrolus') {
    // Any 16–128 characters make an HMAC key; control characters would not survive a receiver's configuration.
    return OCROLUS_SECRET.test(value) ? undefined : 'must not contain control characters';
  }
  const base64 = STANDARD_SECRET.exec(value)?.[1];
  let bytes = -1;
  try {
    if (base64 !== undefined) bytes = atob(base64).length;
  } catch {
    // not base64: refused below
  }
  return bytes >= 24 && bytes <= 64
    ? undefined
    : 'a standard secret is "whsec_" followed by the base64 (with its padding) of 24 to 64 bytes';
}

const email = z.email({ error: 'must be an e-mail address' }).max(254);
/** Svix's per-endpoint rate limit: deliveries a second, across all the tenant's books. */
export const MAX_ENDPOINT_RATE_LIMIT = 10_000;
const rateLimit = z
  .int({ error: 'must be a whole number of deliveries a second' })
  .min(1)
  .max(MAX_ENDPOINT_RATE_LIMIT)
  .nullable()
  .meta({
    description:
      'At most this many deliveries a second to this endpoint, across all your books: more wait their turn (never ' +
      'dropped, never counted as failed attempts). null: no limit',
  });

/**
 * How an e-mail endpoint mails: `each` event as it happens; one summary per `book` once its analytics are done (every
 * document with its result and reason, and the analytics); or a `daily` digest at `digest_hour` in `digest_time_zone`.
 */
export const MAIL_MODES = ['each', 'book', 'daily'] as const;
export type MailMode = (typeof MAIL_MODES)[number];
const mailMode = z.enum(MAIL_MODES, { error: `must be one of ${MAIL_MODES.join(', ')}` }).meta({
  description:
    'E-mail endpoints only. each: one mail per event (the default); book: one mail per book once its analytics are ' +
    'done, listing its documents with their results and reasons, and the analytics; daily: one digest a day at ' +
    'digest_hour in digest_time_zone, of the events since the last one',
});
const digestHour = z
  .int({ error: 'must be a whole hour, 0 to 23' })
  .min(0)
  .max(23)
  .meta({ description: 'mail_mode daily: the hour of the day (0–23, local to digest_time_zone) the digest goes out' });
/** An IANA zone Intl knows (it throws on any other), kept under its canonical name (`europe/paris` → `Europe/Paris`). */
const digestTimeZone = z
  .string()
  .max(64)
  .transform((zone, ctx) => {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone, e.g. Europe/Paris or America/New_York' });
      return z.NEVER;
    }
  })
  .meta({ description: 'mail_mode daily: the IANA time zone of digest_hour, e.g. America/New_York (DST followed)' });
const mailSettings = {
  mail_mode: mailMode.optional(),
  digest_hour: digestHour.optional(),
  digest_time_zone: digestTimeZone.optional(),
};

/**
 * The digest settings a request names, checked against the endpoint's kind and mode (`current`, on a PATCH): only an
 * e-mail endpoint has a mail mode, and a daily one needs both its hour and its zone.
 */
export function mailSettingsRefusal(
  body: { mail_mode?: MailMode | undefined; digest_hour?: number | undefined; digest_time_zone?: string | undefined },
  endpoint: { email: boolean; mailMode: MailMode; digestHour: number | null },
): { field: string; message: string } | undefined {
  const named = (['mail_mode', 'digest_hour', 'digest_time_zone'] as const).find((key) => body[key] !== undefined);
  if (named && !endpoint.email) return { field: named, message: 'is only for e-mail endpoints' };
  const mode = body.mail_mode ?? endpoint.mailMode;
  if (mode !== 'daily') {
    const digest = body.digest_hour !== undefined ? 'digest_hour' : 'digest_time_zone';
    if (body.digest_hour !== undefined || body.digest_time_zone !== undefined) {
      return { field: digest, message: 'is only for mail_mode daily' };
    }
    return undefined;
  }
  // Turning daily on needs both; a daily endpoint may change either alone.
  if (endpoint.mailMode !== 'daily' || endpoint.digestHour === null) {
    if (body.digest_hour === undefined) return { field: 'digest_hour', message: 'is required for mail_mode daily' };
    if (body.digest_time_zone === undefined) {
      return { field: 'digest_time_zone', message: 'is required for mail_mode daily' };
    }
  }
  return undefined;
}

export const CreateEndpointRequestSchema = z
  .strictObject({
    url: url.optional(),
    email: email.optional(),
    events,
    description: description.optional(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES).default('standard'),
    secret: secret.optional(),
    rate_limit: rateLimit.optional(),
    format: format.optional(),
    filter: EndpointFilterSchema.nullable().optional(),
    ...mailSettings,
  })
  .superRefine((body, ctx) => {
    const formatRefusal = body.email === undefined ? undefined : emailFormatRefusal(body.format);
    if (formatRefusal) ctx.addIssue({ code: 'custom', path: ['format'], message: formatRefusal });
    if ((body.url === undefined) === (body.email === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [body.url === undefined ? 'url' : 'email'],
        message: 'give exactly one of url (an HTTP endpoint) or email (an e-mail endpoint)',
      });
    }
    const refusal = body.secret === undefined ? undefined : secretRefusal(body.signature_scheme, body.secret);
    if (refusal) ctx.addIssue({ code: 'custom', path: ['secret'], message: refusal });
    const mail = mailSettingsRefusal(body, { email: body.email !== undefined, mailMode: 'each', digestHour: null });
    if (mail) ctx.addIssue({ code: 'custom', path: [mail.field], message: mail.message });
  })
  .meta({
    override: {
      oneOf: [{ required: ['url'] }, { required: ['email'] }],
      // The secret's form depends on the scheme (standard when none is named).
      if: { properties: { signature_scheme: { const: 'ocrolus' } }, required: ['signature_scheme'] },
      then: { properties: { secret: { pattern: OCROLUS_SECRET.source } } },
      else: { properties: { secret: { pattern: STANDARD_SECRET_PATTERN } } },
    },
  });
export type CreateEndpointRequest = z.infer<typeof CreateEndpointRequestSchema>;

export const UpdateEndpointRequestSchema = z
  .strictObject({
    url: url.optional(),
    email: email.optional(),
    events: events.optional(),
    description: description.optional(),
    active: z.boolean().optional(),
    rate_limit: rateLimit.optional(),
    format: format.optional(),
    filter: EndpointFilterSchema.nullable()
      .optional()
      .meta({ description: 'A new filter (its skip count starts again); null removes it' }),
    ...mailSettings,
  })
  .refine((body) => Object.keys(body).length > 0, {
    error:
      'name at least one of url, email, events, description, active, rate_limit, format, filter, mail_mode, ' +
      'digest_hour, digest_time_zone',
  })
  // An endpoint is a URL or an e-mail address, never both: a change names at most one (of the endpoint's own kind).
  .refine((body) => body.url === undefined || body.email === undefined, {
    error: 'give url (an HTTP endpoint) or email (an e-mail endpoint), not both',
    path: ['email'],
  })
  .meta({ override: { minProperties: 1, not: { required: ['url', 'email'] } } });
export type UpdateEndpointRequest = z.infer<typeof UpdateEndpointRequestSchema>;

export const RotateSecretRequestSchema = z
  .strictObject({
    secret: secret.optional().meta({
      description:
        "Your own new secret; without one, bookbell makes one. It must suit the endpoint's signature_scheme, as on " +
        'POST /v1/endpoints',
    }),
  })
  .meta({ id: 'RotateSecretRequest' });

export const RecoverRequestSchema = z
  .strictObject({
    since: z.iso
      .datetime({ offset: true, error: 'must be an ISO-8601 time' })
      // PostgreSQL takes offsets up to ±15:59 and no year 0: it gets the same instant in UTC, years 1 to 9999.
      .transform((value) => new Date(value).toISOString())
      .refine((value) => /^(?!0000)\d{4}-/.test(value), { error: 'must be a time from year 1 to 9999' })
      .meta({
        description: 'Redeliver the deliveries that failed at or after this time (years 1 to 9999)',
        override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
          jsonSchema.pattern = `^(?!0000-)${String(jsonSchema.pattern).slice(1)}`;
        },
      }),
  })
  .meta({ id: 'RecoverRequest' });

export const DeliveriesQuerySchema = z.strictObject({
  status: DeliveryStatusSchema.optional(),
  ...pageQuery(50).shape,
});

export const OperationalEventsQuerySchema = pageQuery(50);

export const EndpointsQuerySchema = pageQuery(100);

/** The sample events a preview shows: each event type, a failed verification, and the test event. */
export const PREVIEW_EVENTS = [
  'VERIFICATION_COMPLETE',
  'VERIFICATION_FAILED',
  'BOOK_COMPLETE',
  'ANALYTICS_COMPLETED',
  'TEST',
] as const;
export type PreviewEvent = (typeof PREVIEW_EVENTS)[number];

export const PreviewQuerySchema = z.strictObject({
  event: z
    .enum(PREVIEW_EVENTS, { error: `must be one of ${PREVIEW_EVENTS.join(', ')}` })
    .default('VERIFICATION_COMPLETE')
    .meta({ description: 'Which sample event: VERIFICATION_FAILED is a VERIFICATION_COMPLETE whose result is FAILED' }),
});

export const EndpointPreviewSchema = z
  .strictObject({
    format: z.enum(BODY_FORMATS),
    event: z.enum(PREVIEW_EVENTS),
    content_type: z.literal('application/json'),
    body: z.string().meta({
      description: "The body exactly as the endpoint would receive it (a sample book's event, rendered in its format)",
    }),
  })
  .meta({
    id: 'EndpointPreview',
    description: "A sample event as this endpoint would receive it, in the endpoint's format",
  });
export type EndpointPreview = z.infer<typeof EndpointPreviewSchema>;

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
    confirmed_at: time.nullable().meta({
      description:
        'When the address confirmed it wants these mails (through the link of its confirmation message). null while ' +
        'it has not: nothing but that one message is mailed, deliveries wait HELD. Always null for a webhook URL',
    }),
    previous_secret_expires_at: time
      .nullable()
      .meta({ description: 'After a rotation, the old secret also signs until then' }),
    rate_limit: rateLimit,
    mail_mode: z.enum(MAIL_MODES).meta({ description: mailMode.description }),
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
