import { z } from 'zod';

/** `GET /healthz` and `GET /readyz`: for load balancers and orchestrators, no key needed. */

export const HealthSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

const dependency = z.enum(['ok', 'unreachable']);
export const ReadinessSchema = z
  .strictObject({ status: z.enum(['ready', 'not ready']), postgres: dependency, temporal: dependency })
  .meta({ id: 'Readiness', description: 'Ready only when PostgreSQL and Temporal both answer' });
