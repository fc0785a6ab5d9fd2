import { z } from 'zod';
import { EVENT_TYPES } from './book.js';

export const SIGNATURE_SCHEMES = ['standard', 'ocrolus'] as const;

const url = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .refine((value) => !new URL(value).username && !new URL(value).password, {
    error: 'must not carry credentials; use the signature to authenticate bookbell',
  });
/** Book events, and operational events about the tenant's own endpoints. */
export const SUBSCRIBABLE_EVENTS = [...EVENT_TYPES, 'webhook.disabled'] as const;
export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];
const events = z
  .array(z.enum(SUBSCRIBABLE_EVENTS, { error: `must be one of ${SUBSCRIBABLE_EVENTS.join(', ')}` }))
  .min(1, { error: 'must name at least one event' })
  .refine((list) => new Set(list).size === list.length, { error: 'must not repeat an event' });
const description = z.string().trim().min(3).max(255);
/** Standard Webhooks secrets are `whsec_` + base64 of 24–64 bytes; Ocrolus takes 16–128 characters. */
const secret = z.string().min(16).max(128);

const email = z.email({ error: 'must be an e-mail address' }).max(254);

export const CreateWebhookRequestSchema = z
  .strictObject({
    url: url.optional(),
    email: email.optional(),
    events,
    description: description.optional(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES).default('standard'),
    secret: secret.optional(),
  })
  .refine(
    (body) =>
      body.secret === undefined ||
      body.signature_scheme !== 'standard' ||
      /^whsec_[A-Za-z0-9+/=]{32,88}$/.test(body.secret),
    { path: ['secret'], error: 'a standard secret is "whsec_" followed by base64 of 24 to 64 bytes' },
  );
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequestSchema>;

export const UpdateWebhookRequestSchema = z
  .strictObject({
    url: url.optional(),
    email: email.optional(),
    events: events.optional(),
    description: description.optional(),
    active: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    error: 'name at least one of url, email, events, description, active',
  });
export type UpdateWebhookRequest = z.infer<typeof UpdateWebhookRequestSchema>;

export const WebhookIdSchema = z.uuid({ error: 'webhook id must be a UUID' });
