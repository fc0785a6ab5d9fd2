import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether an `Authorization` header carries METRICS_TOKEN as a bearer token; always true without one. Compared as
 * digests in constant time, so neither the token's length nor its prefix shows in how long a refusal takes.
 */
export function metricsAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const sent = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return sent !== undefined && timingSafeEqual(digest(sent), digest(token));
}

/** The 401's challenge and text, the same from the API and from a worker's METRICS_PORT. */
export const METRICS_CHALLENGE = 'Bearer realm="metrics"';
export const METRICS_REFUSAL = 'metrics need "Authorization: Bearer <METRICS_TOKEN>"\n';
