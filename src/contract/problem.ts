import { z } from 'zod';
import { PROBLEM_CODES, PROBLEM_PAGES, ProblemCodeSchema, problemType } from './problem-types.js';

/** RFC 9457 problem details: the body of every error (`application/problem+json`). */
export const ProblemSchema = z
  .strictObject({
    type: z.enum(PROBLEM_CODES.map(problemType) as [string, ...string[]]).meta({
      description: `The kind of problem: ${PROBLEM_PAGES}/<code>, a path on this API whose page explains it`,
      format: 'uri-reference',
    }),
    code: ProblemCodeSchema.meta({ description: 'The same kind in short: the last segment of `type`; branch on it' }),
    title: z.string().meta({ description: 'A short summary of the kind, the same for every problem of it' }),
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
