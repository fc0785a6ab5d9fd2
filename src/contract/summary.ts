import { z } from 'zod';

/**
 * `GET /v1/summary`: how many of the tenant's books are open, waiting and complete, and how many verifications failed,
 * since a time the caller picks (a console passes its user's local midnight, so "today" is the user's day).
 */

/** How far back `since` may go: the counts read indexes on the time, and a month keeps each read small. */
export const SUMMARY_MAX_DAYS = 31;
/** How far ahead of the server's clock `since` may be: a browser's clock may run a little fast. */
export const SUMMARY_CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** The start of the current UTC day: `since` when the caller names none. */
export const startOfUtcDay = (now = new Date()): Date =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

export const SummaryQuerySchema = z.strictObject({
  since: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-12-02T00:00:00Z' })
    .transform((text) => new Date(text))
    .refine((since) => since.getTime() <= Date.now() + SUMMARY_CLOCK_SKEW_MS, { error: 'must not be in the future' })
    .refine((since) => since.getTime() >= Date.now() - SUMMARY_MAX_DAYS * DAY_MS, {
      error: `must be at most ${SUMMARY_MAX_DAYS} days ago`,
    })
    .optional()
    .meta({
      description:
        `Count completions and failed verifications from this time on (ISO 8601, with Z or an offset); at most ` +
        `${SUMMARY_MAX_DAYS} days ago and not in the future. The start of the current UTC day unless given.`,
    }),
});
export type SummaryQuery = z.infer<typeof SummaryQuerySchema>;

const Count = z.int().min(0);

export const TenantSummarySchema = z
  .strictObject({
    since: z.iso.datetime().meta({ description: 'The time the *_since counts start from' }),
    open: Count.meta({ description: 'Books accepting uploads (CREATED or UPLOAD)' }),
    waiting: Count.meta({ description: 'Sealed books waiting for the verification of their documents (SEALED)' }),
    complete_since: Count.meta({ description: 'Books that completed (BOOK_COMPLETE) at or after `since`' }),
    failed_verifications_since: Count.meta({
      description: 'Documents whose verification failed (VERIFICATION_COMPLETE with result FAILED) at or after `since`',
    }),
  })
  .meta({ id: 'TenantSummary', description: "Counts of the tenant's books and failed verifications" });
export type TenantSummary = z.infer<typeof TenantSummarySchema>;
