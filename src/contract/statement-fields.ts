import { z } from 'zod';
import { parseIsoDate } from '../analytics/dates.js';

/**
 * What verification extracted from one bank statement.
 * Money is never a float: clients send a decimal string ("1234.50") or integer cents (123450),
 * and both are normalised to integer cents so sums and comparisons are exact.
 */

const MONEY_DECIMAL = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/;
const MONEY_HINT = 'send a decimal string such as "1234.50" or an integer number of cents such as 123450';
const MAX_PERIOD_DAYS = 400;
/** The longest account_id the API takes (event bodies clip to the same). */
export const ACCOUNT_ID_MAX_CHARS = 64;

/** Missing fields get the same "is required" wording as the rest of the API; anything else gets `message`. */
const unlessMissing = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : message;

/** -0 would format as "-0.00" and fail equality checks in JSON; adding 0 turns it into +0. */
const noNegativeZero = (value: number) => value + 0;

/**
 * What the document says an amount is: a decimal string or integer cents (the transform below checks the same; a
 * non-negative amount may still be written "-0.00", which is zero).
 */
const moneyDocument = (nonNegative: boolean) => ({
  anyOf: [
    {
      type: 'string',
      pattern: nonNegative ? '^(?:\\d{1,13}(?:\\.\\d{1,2})?|-0{1,13}(?:\\.0{1,2})?)$' : MONEY_DECIMAL.source,
    },
    {
      type: 'integer',
      minimum: nonNegative ? 0 : Number.MIN_SAFE_INTEGER,
      maximum: Number.MAX_SAFE_INTEGER,
    },
  ],
});

function money(options: { nonNegative: boolean }) {
  return z
    .union([z.string(), z.number()], { error: unlessMissing(`must be an amount of money: ${MONEY_HINT}`) })
    .transform((value, ctx): number => {
      let cents: number;
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) {
          ctx.addIssue({
            code: 'custom',
            message: `numbers are read as integer cents, so ${value} is not allowed: ${MONEY_HINT}`,
          });
          return z.NEVER;
        }
        cents = noNegativeZero(value);
      } else {
        const match = MONEY_DECIMAL.exec(value);
        if (!match) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a decimal string with at most 13 digits before and 2 after the point, e.g. "1234.50" or "-20.00"`,
          });
          return z.NEVER;
        }
        // At most 13 + 2 digits, so the cents stay below Number.MAX_SAFE_INTEGER and this is exact.
        const magnitude = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
        cents = noNegativeZero(match[1] === '-' ? -magnitude : magnitude);
      }
      if (options.nonNegative && cents < 0) {
        ctx.addIssue({ code: 'custom', message: 'must not be negative' });
        return z.NEVER;
      }
      return cents;
    })
    .meta({
      override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
        delete jsonSchema.type;
        Object.assign(jsonSchema, moneyDocument(options.nonNegative));
      },
    });
}

const CalendarDate = z
  .string({ error: unlessMissing('must be a date string formatted YYYY-MM-DD, e.g. "2026-01-31"') })
  .refine((value) => parseIsoDate(value) !== undefined, {
    error: (issue) =>
      `must be a real calendar date formatted YYYY-MM-DD, e.g. "2026-01-31"; got ${JSON.stringify(issue.input)}`,
  })
  .meta({ override: { format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } });

export const StatementFieldsSchema = z
  .strictObject({
    account_id: z
      .string({ error: unlessMissing('must be a string') })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(ACCOUNT_ID_MAX_CHARS, { error: `must be at most ${ACCOUNT_ID_MAX_CHARS} characters` })
      .meta({ override: { pattern: '\\S' } }),
    period_start: CalendarDate,
    period_end: CalendarDate,
    starting_balance: money({ nonNegative: false }),
    ending_balance: money({ nonNegative: false }),
    total_deposits: money({ nonNegative: true }),
    total_withdrawals: money({ nonNegative: true }),
    nsf_count: z
      .int({ error: unlessMissing('must be a whole number from 0 to 10000') })
      .min(0, { error: 'must not be negative' })
      .max(10000, { error: 'must be at most 10000' }),
  })
  // `when` lets the period checks run even if an unrelated field failed, so a client sees every problem at once.
  .refine((fields) => periodDays(fields).length <= MAX_PERIOD_DAYS, {
    path: ['period_end'],
    error: `the statement period must cover at most ${MAX_PERIOD_DAYS} days (period_start to period_end inclusive)`,
    when: ({ value }) => periodDays(value).length >= 1,
  })
  .refine((fields) => periodDays(fields).length >= 1, {
    path: ['period_end'],
    error: 'must be on or after period_start',
    when: ({ value }) => periodDays(value).valid,
  })
  .meta({
    description: `period_end is on or after period_start, and the period covers at most ${MAX_PERIOD_DAYS} days`,
  });

/** Inclusive day count of a (possibly partially invalid) payload's period; valid when both dates parse. */
function periodDays(value: unknown): { valid: boolean; length: number } {
  const { period_start, period_end } = (value ?? {}) as Record<string, unknown>;
  const start = typeof period_start === 'string' ? parseIsoDate(period_start) : undefined;
  const end = typeof period_end === 'string' ? parseIsoDate(period_end) : undefined;
  if (start === undefined || end === undefined) return { valid: false, length: 0 };
  return { valid: true, length: end - start + 1 };
}

export type StatementFields = z.output<typeof StatementFieldsSchema>;
export type StatementFieldsInput = z.input<typeof StatementFieldsSchema>;

/** Integer cents as a decimal string: 123450 -> "1234.50", -5 -> "-0.05". String slicing, so it is exact at any size. */
export function formatCents(cents: number | bigint): string {
  if (typeof cents === 'number' && !Number.isSafeInteger(cents)) {
    throw new RangeError(`formatCents needs integer cents, got ${cents}`);
  }
  const negative = cents < 0;
  const digits = String(negative ? -cents : cents).padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
