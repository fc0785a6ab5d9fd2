// How the configuration reads one variable's value: ports, optional strings, bounded durations and lists of them,
// allow-list entries. The variables themselves, and their defaults, stay in config.ts.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { formatDuration, parseDuration } from './durations.js';

const PORT_ERROR = 'must be a port number from 0 to 65535';
const portNumber = () =>
  z.coerce.number<string>({ error: PORT_ERROR }).int(PORT_ERROR).min(0, PORT_ERROR).max(65535, PORT_ERROR);
export const port = (fallback: number) => portNumber().default(fallback);
/** An ENDPOINT_ALLOWED_HOSTS entry: an IP address, a CIDR range (`10.0.0.0/8`) or a host name. */
export const isAllowListEntry = (entry: string) =>
  entry.includes('/')
    ? isIP(entry.split('/')[0] ?? '') !== 0 && ipaddr.isValidCIDR(entry)
    : isIP(entry) !== 0 || /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i.test(entry);

export const optionalString = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .optional();

/** A port that may be left unset (empty counts as unset). */
export const optionalPort = optionalString.pipe(portNumber().optional());

/**
 * Durations are bounded by what holds them: a PostgreSQL int of milliseconds, an activity's timeout, a timer. A value
 * outside is refused at start with the variable's name, never met later as a failing query or a timer that fires at
 * once.
 */
function parseBounded(value: string, bounds: { min: number; max: number }, ctx: z.RefinementCtx): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
  if (ms < bounds.min || ms > bounds.max) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value.trim()}" is out of range: must be between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}`,
    });
    return z.NEVER;
  }
  return ms;
}

export const duration = (fallback: string, bounds: { min: number; max: number }) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => parseBounded(value, bounds, ctx));
export const durationList = (fallback: string, bounds: { min: number; max: number; maxLength: number }) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parts = value.split(',');
      if (parts.length > bounds.maxLength) {
        ctx.addIssue({ code: 'custom', message: `at most ${bounds.maxLength} delays` });
        return z.NEVER;
      }
      return parts.map((part) => parseBounded(part, bounds, ctx));
    });
