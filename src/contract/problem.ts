import { z } from 'zod';

/** RFC 9457 problem details: the body of every error (`application/problem+json`). */
export const ProblemSchema = z
  .strictObject({
    type: z.string().meta({ description: 'Always "about:blank": the status and title say what happened' }),
    title: z.string(),
    status: z.int(),
    detail: z.string().meta({ description: 'What went wrong and what to do, safe to show to a developer' }),
    instance: z.string().optional().meta({ description: 'The request path' }),
    errors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'For invalid input (400): one entry per offending field, e.g. "events.2"' }),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof ProblemSchema>;
