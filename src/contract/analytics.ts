import { z } from 'zod';

/**
 * The analytics of a book as the API, the stream and ANALYTICS_COMPLETED show them. `src/analytics/` computes them
 * (a pure module the workflow runs); a unit test keeps its types and these schemas the same shape.
 */

const Money = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .meta({ description: 'An amount as a decimal string with two decimals, e.g. "1234.50"; never a float' });
const IsoDate = z.iso.date().meta({ description: 'YYYY-MM-DD' });
const Count = z.int().min(0);

export const DateGapSchema = z
  .strictObject({
    from: IsoDate,
    to: IsoDate,
    days: Count.meta({ description: 'Days in the run, both ends included' }),
  })
  .meta({ id: 'DateGap', description: 'Dates, both ends included, that no statement of the account covers' });

export const StatementOverlapSchema = z
  .strictObject({
    from: IsoDate,
    to: IsoDate,
    days: Count,
    doc_uuids: z.tuple([z.string(), z.string()]).meta({ description: 'The two statements covering these dates' }),
  })
  .meta({ id: 'StatementOverlap', description: 'Dates covered by two consecutive statements of the account' });

export const MonthTotalsSchema = z
  .strictObject({
    month: z
      .string()
      .regex(/^\d{4}-\d{2}$/)
      .meta({ description: 'YYYY-MM' }),
    deposits: Money,
    withdrawals: Money,
  })
  .meta({
    id: 'MonthTotals',
    description: "A calendar month's share of the statements' totals, split by the days each statement has in it",
  });

export const ContinuityBreakSchema = z
  .strictObject({
    previous_doc_uuid: z.string(),
    next_doc_uuid: z.string(),
    previous_period_end: IsoDate,
    next_period_start: IsoDate,
    previous_ending_balance: Money,
    next_starting_balance: Money,
    difference: Money.meta({ description: 'next_starting_balance − previous_ending_balance' }),
  })
  .meta({
    id: 'ContinuityBreak',
    description: "A statement that does not open with the previous one's closing balance: a sign of doctoring",
  });

export const ArithmeticBreakSchema = z
  .strictObject({
    doc_uuid: z.string(),
    expected_ending_balance: Money.meta({ description: 'starting_balance + total_deposits − total_withdrawals' }),
    ending_balance: Money,
    difference: Money.meta({ description: 'ending_balance − expected_ending_balance' }),
  })
  .meta({ id: 'ArithmeticBreak', description: 'A statement whose own figures do not add up' });

export const AccountAnalyticsSchema = z
  .strictObject({
    account_id: z.string(),
    statement_count: Count,
    doc_uuids: z.array(z.string()).meta({ description: "The account's statements, in period order" }),
    period_start: IsoDate,
    period_end: IsoDate,
    covered_days: Count.meta({ description: 'Days covered by at least one statement' }),
    gaps: z.array(DateGapSchema),
    overlaps: z.array(StatementOverlapSchema),
    total_deposits: Money,
    total_withdrawals: Money,
    average_monthly_deposits: Money.meta({ description: 'Per average month of 30.4375 days of covered time' }),
    average_monthly_withdrawals: Money.meta({ description: 'Per average month of 30.4375 days of covered time' }),
    months: z.array(MonthTotalsSchema),
    nsf_count: Count.meta({ description: 'Non-sufficient-funds events over all statements' }),
    balance_continuity: z.strictObject({
      continuous: z.boolean().meta({ description: "Every statement opens with the previous one's closing balance" }),
      breaks: z.array(ContinuityBreakSchema),
    }),
    arithmetic_breaks: z.array(ArithmeticBreakSchema),
  })
  .meta({ id: 'AccountAnalytics', description: 'Analytics of the verified statements of one account' });

export const BookAnalyticsSchema = z
  .strictObject({
    statement_count: Count.meta({ description: 'Successfully verified statements analysed' }),
    account_count: Count,
    accounts: z.array(AccountAnalyticsSchema).meta({ description: 'Ordered by account_id' }),
    continuity_break_count: Count,
    gap_count: Count,
  })
  .meta({
    id: 'BookAnalytics',
    description: "Analytics over the book's successfully verified bank statements, per account",
  });
