import { z } from 'zod';
import { EVENT_TYPES } from './book.js';

/** An endpoint's settings field by field (format, URL or address, events, secret, rate limit, mail), and their checks. */

export const SIGNATURE_SCHEMES = ['standard', 'ocrolus'] as const;
/** The body a URL endpoint receives: bookbell's own JSON, Ocrolus's webhook bodies, a Slack or a Teams message. */
export const BODY_FORMATS = ['bookbell', 'ocrolus', 'slack', 'teams'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];
export const BodyFormatSchema = z.enum(BODY_FORMATS, { error: `must be one of ${BODY_FORMATS.join(', ')}` }).meta({
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

export const EndpointUrlSchema = z
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
export const SubscribedEventsSchema = z
  .array(z.enum(SUBSCRIBABLE_EVENTS, { error: `must be one of ${SUBSCRIBABLE_EVENTS.join(', ')}` }))
  .min(1, { error: 'must name at least one event' })
  .refine((list) => new Set(list).size === list.length, { error: 'must not repeat an event' })
  .meta({ override: { uniqueItems: true } });
// At least 3 characters once trimmed: a non-blank first and last with something between.
export const EndpointDescriptionSchema = z
  .string()
  .trim()
  .min(3)
  .max(255)
  .meta({ override: { pattern: '\\S[\\s\\S]+\\S' } });
/** Standard Webhooks secrets are `whsec_` + base64 of 24–64 bytes; Ocrolus takes 16–128 characters. */
export const SigningSecretSchema = z.string().min(16).max(128);

const STANDARD_SECRET = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;
/** STANDARD_SECRET of 24 to 64 bytes, for the OpenAPI document: 8–21 groups of 4, then 1 or 2 more bytes. */
const B64 = '[A-Za-z0-9+/]';
export const STANDARD_SECRET_PATTERN = `^whsec_(?:(?:${B64}{4}){8,21}(?:${B64}{2}==)?|(?:${B64}{4}){8,20}${B64}{3}=)$`;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
export const OCROLUS_SECRET = /^[^\u0000-\u001F\u007F]*$/;

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

export const EndpointEmailSchema = z.email({ error: 'must be an e-mail address' }).max(254);
/** Svix's per-endpoint rate limit: deliveries a second, across all the tenant's books. */
export const MAX_ENDPOINT_RATE_LIMIT = 10_000;
export const RateLimitSchema = z
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
export const MailModeSchema = z.enum(MAIL_MODES, { error: `must be one of ${MAIL_MODES.join(', ')}` }).meta({
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
export const mailSettings = {
  mail_mode: MailModeSchema.optional(),
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
