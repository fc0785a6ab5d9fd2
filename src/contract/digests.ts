import { z } from 'zod';
import { AttemptSchema } from './deliveries.js';
import { nextCursorSchema, pageQuery } from './page.js';

/** A daily e-mail endpoint's digests (GET /v1/endpoints/{id}/digests): the log of what each day's digest did. */

export const DigestsQuerySchema = pageQuery(50);

export const DigestSchema = z
  .strictObject({
    id: z.string().meta({ description: 'dig_<endpoint>_<yyyymmdd>: also its Message-ID, so a repeat can be dropped' }),
    local_day: z.iso.date().meta({ description: "The day it covers, in the endpoint's time zone" }),
    event_count: z.int().min(0).meta({ description: 'How many events it lists' }),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']).meta({
      description:
        "PENDING while being attempted; DELIVERED once the mail server took it; FAILED once retries ran out (its events go in the next day's digest)",
    }),
    attempts: z.array(AttemptSchema).meta({ description: 'Every attempt, oldest first' }),
    created_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Digest', description: "One day's digest of a daily e-mail endpoint, with its attempts" });
export type Digest = z.infer<typeof DigestSchema>;

export const DigestListSchema = z
  .strictObject({
    data: z.array(DigestSchema).meta({ description: 'Newest first' }),
    next_cursor: nextCursorSchema('cursor'),
  })
  .meta({ id: 'DigestList', description: 'A page of digests, newest first' });
