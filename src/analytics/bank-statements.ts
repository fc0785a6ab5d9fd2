import { formatCents, type StatementFields } from '../contract/statement-fields.js';
import { monthSlices, toDayNumber, toIsoDate } from './dates.js';

/**
 * Analytics over the verified bank statements of one book. Pure and deterministic (no clock, no I/O,
 * no locale-dependent sorting), so it can run inside a Temporal workflow and replay identically.
 * Money is summed as bigint cents: per-statement amounts are safe integers, but sums and the scaling
 * products below could exceed Number.MAX_SAFE_INTEGER. Every amount leaves as a decimal string.
 */

export interface StatementInput {
  doc_uuid: string;
  fields: StatementFields;
}

/** Inclusive run of dates no statement covers. */
export interface DateGap {
  from: string;
  to: string;
  days: number;
}

/** Inclusive run of dates covered by two consecutive statements (in sorted order). */
export interface StatementOverlap extends DateGap {
  doc_uuids: [string, string];
}

export interface MonthTotals {
  /** 'YYYY-MM' */
  month: string;
  deposits: string;
  withdrawals: string;
}

/** A statement that does not open with the previous one's closing balance: a classic sign of doctoring. */
export interface ContinuityBreak {
  previous_doc_uuid: string;
  next_doc_uuid: string;
  previous_period_end: string;
  next_period_start: string;
  previous_ending_balance: string;
  next_starting_balance: string;
  /** next_starting_balance - previous_ending_balance */
  difference: string;
}

/** A statement whose own figures do not add up. */
export interface ArithmeticBreak {
  doc_uuid: string;
  /** starting_balance + total_deposits - total_withdrawals */
  expected_ending_balance: string;
  ending_balance: string;
  /** ending_balance - expected_ending_balance */
  difference: string;
}

export interface AccountAnalytics {
  account_id: string;
  statement_count: number;
  doc_uuids: string[];
  period_start: string;
  period_end: string;
  covered_days: number;
  gaps: DateGap[];
  overlaps: StatementOverlap[];
  total_deposits: string;
  total_withdrawals: string;
  average_monthly_deposits: string;
  average_monthly_withdrawals: string;
  months: MonthTotals[];
  nsf_count: number;
  balance_continuity: { continuous: boolean; breaks: ContinuityBreak[] };
  arithmetic_breaks: ArithmeticBreak[];
}

export interface BookAnalytics {
  statement_count: number;
  account_count: number;
  accounts: AccountAnalytics[];
  continuity_break_count: number;
  gap_count: number;
}

/** The average Gregorian month, 30.4375 days (365.25 / 12), as the exact fraction 487 / 16. */
const MONTH_DAYS_NUMERATOR = 487n;
const MONTH_DAYS_DENOMINATOR = 16n;

interface Statement extends StatementInput {
  start: number;
  end: number;
}

/** Code-unit order: localeCompare would depend on the host's ICU data and locale. */
const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const compareStatements = (a: Statement, b: Statement) =>
  a.start - b.start || a.end - b.end || compareStrings(a.doc_uuid, b.doc_uuid);

export function analyzeStatements(statements: readonly StatementInput[]): BookAnalytics {
  const byAccount = new Map<string, Statement[]>();
  for (const { doc_uuid, fields } of statements) {
    const [start, end] = [toDayNumber(fields.period_start), toDayNumber(fields.period_end)];
    const statement = { doc_uuid, fields, start, end };
    const group = byAccount.get(fields.account_id);
    if (group) group.push(statement);
    else byAccount.set(fields.account_id, [statement]);
  }
  const accounts = [...byAccount.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([accountId, group]) => analyzeAccount(accountId, group.sort(compareStatements)));
  return {
    statement_count: statements.length,
    account_count: accounts.length,
    accounts,
    continuity_break_count: accounts.reduce((sum, a) => sum + a.balance_continuity.breaks.length, 0),
    gap_count: accounts.reduce((sum, a) => sum + a.gaps.length, 0),
  };
}

/** `sorted` is non-empty and ordered by compareStatements. */
function analyzeAccount(account_id: string, sorted: Statement[]): AccountAnalytics {
  const gaps: DateGap[] = [];
  const overlaps: StatementOverlap[] = [];
  const breaks: ContinuityBreak[] = [];
  const arithmeticBreaks: ArithmeticBreak[] = [];
  const months = new Map<string, { deposits: bigint; withdrawals: bigint }>();
  let deposits = 0n;
  let withdrawals = 0n;
  let nsfCount = 0;
  let coveredDays = 0;
  const periodStart = sorted[0]?.start ?? 0; // callers never pass an empty group
  // Last day covered by the statements seen so far (ends as the account's period_end).
  let coveredUntil = periodStart - 1;

  sorted.forEach((statement, index) => {
    const { fields, start, end } = statement;
    // Sorted by start, so any uncovered day before this start lies after everything seen so far.
    if (start > coveredUntil + 1) gaps.push(dayRun(coveredUntil + 1, start - 1));
    coveredDays += Math.max(0, end - Math.max(start, coveredUntil + 1) + 1);
    coveredUntil = Math.max(coveredUntil, end);

    const previous = sorted[index - 1];
    if (previous) {
      if (start <= previous.end) {
        overlaps.push({
          doc_uuids: [previous.doc_uuid, statement.doc_uuid],
          ...dayRun(start, Math.min(end, previous.end)),
        });
      }
      if (previous.fields.ending_balance !== fields.starting_balance) {
        breaks.push({
          previous_doc_uuid: previous.doc_uuid,
          next_doc_uuid: statement.doc_uuid,
          previous_period_end: previous.fields.period_end,
          next_period_start: fields.period_start,
          previous_ending_balance: formatCents(previous.fields.ending_balance),
          next_starting_balance: formatCents(fields.starting_balance),
          difference: formatCents(BigInt(fields.starting_balance) - BigInt(previous.fields.ending_balance)),
        });
      }
    }

    const expectedEnding =
      BigInt(fields.starting_balance) + BigInt(fields.total_deposits) - BigInt(fields.total_withdrawals);
    if (expectedEnding !== BigInt(fields.ending_balance)) {
      arithmeticBreaks.push({
        doc_uuid: statement.doc_uuid,
        expected_ending_balance: formatCents(expectedEnding),
        ending_balance: formatCents(fields.ending_balance),
        difference: formatCents(BigInt(fields.ending_balance) - expectedEnding),
      });
    }

    deposits += BigInt(fields.total_deposits);
    withdrawals += BigInt(fields.total_withdrawals);
    nsfCount += fields.nsf_count;

    const slices = monthSlices(start, end);
    const weights = slices.map((slice) => BigInt(slice.days));
    const depositParts = apportion(BigInt(fields.total_deposits), weights);
    const withdrawalParts = apportion(BigInt(fields.total_withdrawals), weights);
    slices.forEach(({ month }, i) => {
      const totals = months.get(month) ?? { deposits: 0n, withdrawals: 0n };
      totals.deposits += depositParts[i] ?? 0n;
      totals.withdrawals += withdrawalParts[i] ?? 0n;
      months.set(month, totals);
    });
  });

  return {
    account_id,
    statement_count: sorted.length,
    doc_uuids: sorted.map((s) => s.doc_uuid),
    period_start: toIsoDate(periodStart),
    period_end: toIsoDate(coveredUntil),
    covered_days: coveredDays,
    gaps,
    overlaps,
    total_deposits: formatCents(deposits),
    total_withdrawals: formatCents(withdrawals),
    average_monthly_deposits: formatCents(monthlyAverage(deposits, coveredDays)),
    average_monthly_withdrawals: formatCents(monthlyAverage(withdrawals, coveredDays)),
    months: [...months.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([month, totals]) => ({
        month,
        deposits: formatCents(totals.deposits),
        withdrawals: formatCents(totals.withdrawals),
      })),
    nsf_count: nsfCount,
    balance_continuity: { continuous: breaks.length === 0, breaks },
    arithmetic_breaks: arithmeticBreaks,
  };
}

function dayRun(from: number, to: number): DateGap {
  return { from: toIsoDate(from), to: toIsoDate(to), days: to - from + 1 };
}

/** total / coveredDays * 30.4375 as one exact fraction, rounded half away from zero only at the end. */
function monthlyAverage(total: bigint, coveredDays: number): bigint {
  if (coveredDays === 0) return 0n;
  const dividend = total * MONTH_DAYS_NUMERATOR;
  const divisor = BigInt(coveredDays) * MONTH_DAYS_DENOMINATOR;
  const quotient = dividend / divisor; // bigint division truncates toward zero
  const remainder = dividend % divisor;
  if (2n * (remainder < 0n ? -remainder : remainder) < divisor) return quotient;
  return dividend < 0n ? quotient - 1n : quotient + 1n;
}

/**
 * Splits `total` cents in proportion to positive `weights` with the largest-remainder method, so the parts
 * sum exactly to `total`. Leftover cents go to the largest remainders; ties go to the earlier part.
 */
function apportion(total: bigint, weights: bigint[]): bigint[] {
  if (total < 0n) return apportion(-total, weights).map((part) => -part);
  const weightSum = weights.reduce((sum, w) => sum + w, 0n);
  if (weightSum === 0n) return weights.map(() => 0n);
  const parts = weights.map((w) => (total * w) / weightSum);
  // Fewer leftover cents than parts, since each part lost less than one cent to flooring.
  const leftover = Number(total - parts.reduce((sum, p) => sum + p, 0n));
  weights
    .map((w, index) => ({ index, remainder: (total * w) % weightSum }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1))
    .slice(0, leftover)
    .forEach(({ index }) => (parts[index] = (parts[index] ?? 0n) + 1n));
  return parts;
}
