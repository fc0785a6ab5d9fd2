import { z } from 'zod';
import { DeliveryStatusSchema } from './deliveries.js';
import { EndpointFilterSchema } from './endpoint-filter.js';
import {
  BODY_FORMATS,
  BodyFormatSchema,
  emailFormatRefusal,
  EndpointDescriptionSchema,
  EndpointEmailSchema,
  EndpointUrlSchema,
  mailSettings,
  mailSettingsRefusal,
  OCROLUS_SECRET,
  RateLimitSchema,
  secretRefusal,
  SIGNATURE_SCHEMES,
  SigningSecretSchema,
  STANDARD_SECRET_PATTERN,
  SubscribedEventsSchema,
} from './endpoint-settings.js';
import { pageQuery } from './page.js';

/** The requests and queries of the endpoint routes, and the sample events an endpoint's preview renders. */

export const CreateEndpointRequestSchema = z
  .strictObject({
    url: EndpointUrlSchema.optional(),
    email: EndpointEmailSchema.optional(),
    events: SubscribedEventsSchema,
    description: EndpointDescriptionSchema.optional(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES).default('standard'),
    secret: SigningSecretSchema.optional(),
    rate_limit: RateLimitSchema.optional(),
    format: BodyFormatSchema.optional(),
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
    url: EndpointUrlSchema.optional(),
    email: EndpointEmailSchema.optional(),
    events: SubscribedEventsSchema.optional(),
    description: EndpointDescriptionSchema.optional(),
    active: z.boolean().optional(),
    rate_limit: RateLimitSchema.optional(),
    format: BodyFormatSchema.optional(),
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
    secret: SigningSecretSchema.optional().meta({
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
