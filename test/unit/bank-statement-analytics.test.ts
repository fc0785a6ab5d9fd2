import { describe, expect, it } from 'vitest';
import { analyzeStatements, type StatementInput } from '../../src/analytics/bank-statements.js';
import { formatCents, StatementFieldsSchema, type StatementFieldsInput } from '../../src/contract/statement-fields.js';

const VALID: StatementFieldsInput = {
  account_id: 'acc-1',
  period_start: '2026-01-01',
  period_end: '2026-01-31',
  starting_balance: '1000.00',
  ending_balance: '1100.00',
  total_deposits: '300.00',
  total_withdrawals: '200.00',
  nsf_count: 0,
};

/** A statement built through the real schema, so the analytics see exactly what the API would store. */
function statement(doc_uuid: string, fields: Partial<StatementFieldsInput>): StatementInput {
  return { doc_uuid, fields: StatementFieldsSchema.parse({ ...VALID, ...fields }) };
}

/** The issues of a rejected payload as [path, message] pairs. */
function issues(input: unknown): Array<[string, string]> {
  const result = StatementFieldsSchema.safeParse(input);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((issue) => [issue.path.join('.'), issue.message]);
}

describe('StatementFieldsSchema', () => {
  it('accepts decimal strings and integer cents and normalises both to integer cents', () => {
    const parsed = StatementFieldsSchema.parse({
      ...VALID,
      account_id: '  acc-1  ',
      starting_balance: '1234.5',
      ending_balance: '-20.00',
      total_deposits: 123450,
      total_withdrawals: '0.05',
      nsf_count: 3,
    });
    expect(parsed).toEqual({
      account_id: 'acc-1',
      period_start: '2026-01-01',
      period_end: '2026-01-31',
      starting_balance: 123450,
      ending_balance: -2000,
      total_deposits: 123450,
      total_withdrawals: 5,
      nsf_count: 3,
    });
  });

  it('accepts the largest amounts and never produces negative zero', () => {
    const parsed = StatementFieldsSchema.parse({
      ...VALID,
      starting_balance: '-9999999999999.99',
      ending_balance: '-0.00',
      total_deposits: '9999999999999.99',
      total_withdrawals: -0,
    });
    expect(parsed.starting_balance).toBe(-999999999999999);
    expect(parsed.total_deposits).toBe(999999999999999);
    expect(Object.is(parsed.ending_balance, 0)).toBe(true);
    expect(Object.is(parsed.total_withdrawals, 0)).toBe(true);
  });

  it('rejects fractional numbers, telling the client to send a decimal string or integer cents', () => {
    expect(issues({ ...VALID, total_deposits: 12.5 })).toEqual([
      [
        'total_deposits',
        'numbers are read as integer cents, so 12.5 is not allowed: send a decimal string such as "1234.50" or an integer number of cents such as 123450',
      ],
    ]);
  });

  it('rejects malformed decimal strings and non-money types', () => {
    const bad = ['1.234', '1,234.00', '12.', '.5', '+1.00', ' 1.00', '', '12345678901234.00'];
    for (const value of bad) {
      expect(issues({ ...VALID, starting_balance: value })).toEqual([
        [
          'starting_balance',
          'must be a decimal string with at most 13 digits before and 2 after the point, e.g. "1234.50" or "-20.00"',
        ],
      ]);
    }
    expect(issues({ ...VALID, ending_balance: true })).toEqual([
      [
        'ending_balance',
        'must be an amount of money: send a decimal string such as "1234.50" or an integer number of cents such as 123450',
      ],
    ]);
    expect(issues({ ...VALID, ending_balance: Number.MAX_SAFE_INTEGER + 1 })[0]?.[0]).toBe('ending_balance');
  });

  it('rejects negative deposits and withdrawals but allows negative balances', () => {
    expect(issues({ ...VALID, total_deposits: '-1.00', total_withdrawals: -100 })).toEqual([
      ['total_deposits', 'must not be negative'],
      ['total_withdrawals', 'must not be negative'],
    ]);
    expect(StatementFieldsSchema.parse({ ...VALID, starting_balance: '-5.00' }).starting_balance).toBe(-500);
  });

  it('rejects dates that do not exist and accepts leap days', () => {
    expect(issues({ ...VALID, period_start: '2026-02-30', period_end: '2026-03-31' })).toEqual([
      ['period_start', 'must be a real calendar date formatted YYYY-MM-DD, e.g. "2026-01-31"; got "2026-02-30"'],
    ]);
    expect(issues({ ...VALID, period_start: '2026-02-29', period_end: '2026-03-31' })[0]?.[0]).toBe('period_start');
    expect(issues({ ...VALID, period_end: '2026-13-01' })[0]?.[0]).toBe('period_end');
    expect(issues({ ...VALID, period_end: '2026-1-31' })[0]?.[0]).toBe('period_end');
    expect(issues({ ...VALID, period_end: '2026-01-31T00:00:00Z' })[0]?.[0]).toBe('period_end');
    expect(
      StatementFieldsSchema.safeParse({ ...VALID, period_start: '2028-02-29', period_end: '2028-03-31' }).success,
    ).toBe(true);
  });

  it('rejects a period that ends before it starts, even alongside other errors', () => {
    expect(issues({ ...VALID, account_id: '   ', period_start: '2026-02-01', period_end: '2026-01-31' })).toEqual([
      ['account_id', 'must not be empty'],
      ['period_end', 'must be on or after period_start'],
    ]);
    // A single-day statement is fine.
    expect(StatementFieldsSchema.safeParse({ ...VALID, period_end: '2026-01-01' }).success).toBe(true);
  });

  it('limits a statement to 400 days inclusive', () => {
    // 2026-01-01 + 399 days = 2027-02-04, i.e. exactly 400 days inclusive.
    expect(StatementFieldsSchema.safeParse({ ...VALID, period_end: '2027-02-04' }).success).toBe(true);
    expect(issues({ ...VALID, period_end: '2027-02-05' })).toEqual([
      ['period_end', 'the statement period must cover at most 400 days (period_start to period_end inclusive)'],
    ]);
  });

  it('rejects unknown keys, missing fields and bad account ids and NSF counts', () => {
    expect(StatementFieldsSchema.safeParse({ ...VALID, currency: 'USD' }).error?.issues).toMatchObject([
      { code: 'unrecognized_keys', keys: ['currency'] },
    ]);
    const missing: Record<string, unknown> = { ...VALID };
    delete missing.total_deposits;
    expect(issues(missing)).toEqual([['total_deposits', 'is required']]);
    expect(issues({ ...VALID, account_id: 'x'.repeat(65) })).toEqual([['account_id', 'must be at most 64 characters']]);
    expect(issues({ ...VALID, nsf_count: 1.5 })).toEqual([['nsf_count', 'must be a whole number from 0 to 10000']]);
    expect(issues({ ...VALID, nsf_count: -1 })).toEqual([['nsf_count', 'must not be negative']]);
    expect(issues({ ...VALID, nsf_count: 10001 })).toEqual([['nsf_count', 'must be at most 10000']]);
    expect(StatementFieldsSchema.parse({ ...VALID, nsf_count: 10000 }).nsf_count).toBe(10000);
  });
});

describe('formatCents', () => {
  it('formats integer cents exactly', () => {
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(-5)).toBe('-0.05');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(100)).toBe('1.00');
    expect(formatCents(-123456)).toBe('-1234.56');
    expect(formatCents(999999999999999)).toBe('9999999999999.99');
    expect(formatCents(-12345678901234567890n)).toBe('-123456789012345678.90');
  });

  it('refuses anything that is not integer cents', () => {
    expect(() => formatCents(12.5)).toThrow(RangeError);
    expect(() => formatCents(Number.NaN)).toThrow(RangeError);
    expect(() => formatCents(2 ** 53)).toThrow(RangeError);
  });
});

/** Three consecutive, continuous monthly statements of one account. */
const JAN = statement('doc-jan', {
  period_start: '2026-01-01',
  period_end: '2026-01-31',
  starting_balance: '1000.00',
  total_deposits: '3100.00',
  total_withdrawals: '2000.00',
  ending_balance: '2100.00',
  nsf_count: 1,
});
const FEB = statement('doc-feb', {
  period_start: '2026-02-01',
  period_end: '2026-02-28',
  starting_balance: '2100.00',
  total_deposits: '2800.00',
  total_withdrawals: '3000.50',
  ending_balance: '1899.50',
});
const MAR = statement('doc-mar', {
  period_start: '2026-03-01',
  period_end: '2026-03-31',
  starting_balance: '1899.50',
  total_deposits: '1000.00',
  total_withdrawals: '899.50',
  ending_balance: '2000.00',
  nsf_count: 2,
});

describe('analyzeStatements', () => {
  it('returns zero counts for no statements', () => {
    expect(analyzeStatements([])).toEqual({
      statement_count: 0,
      account_count: 0,
      accounts: [],
      continuity_break_count: 0,
      gap_count: 0,
    });
  });

  it('analyses three consecutive continuous monthly statements', () => {
    expect(analyzeStatements([MAR, JAN, FEB])).toEqual({
      statement_count: 3,
      account_count: 1,
      continuity_break_count: 0,
      gap_count: 0,
      accounts: [
        {
          account_id: 'acc-1',
          statement_count: 3,
          doc_uuids: ['doc-jan', 'doc-feb', 'doc-mar'],
          period_start: '2026-01-01',
          period_end: '2026-03-31',
          covered_days: 90,
          gaps: [],
          overlaps: [],
          total_deposits: '6900.00',
          total_withdrawals: '5900.00',
          // 690000 cents * 30.4375 / 90 days = 233354.17 cents; 590000 * 30.4375 / 90 = 199534.72 cents.
          average_monthly_deposits: '2333.54',
          average_monthly_withdrawals: '1995.35',
          months: [
            { month: '2026-01', deposits: '3100.00', withdrawals: '2000.00' },
            { month: '2026-02', deposits: '2800.00', withdrawals: '3000.50' },
            { month: '2026-03', deposits: '1000.00', withdrawals: '899.50' },
          ],
          nsf_count: 3,
          balance_continuity: { continuous: true, breaks: [] },
          arithmetic_breaks: [],
        },
      ],
    });
  });

  it('reports a run of uncovered days between two statements', () => {
    const later = statement('doc-2', {
      period_start: '2026-02-11',
      period_end: '2026-02-28',
      starting_balance: '2100.00',
      total_deposits: '0.00',
      total_withdrawals: '0.00',
      ending_balance: '2100.00',
    });
    const result = analyzeStatements([later, JAN]);
    const [account] = result.accounts;
    expect(result.gap_count).toBe(1);
    expect(account?.gaps).toEqual([{ from: '2026-02-01', to: '2026-02-10', days: 10 }]);
    expect(account?.covered_days).toBe(31 + 18);
    expect(account?.period_start).toBe('2026-01-01');
    expect(account?.period_end).toBe('2026-02-28');
    expect(account?.overlaps).toEqual([]);
    expect(account?.balance_continuity).toEqual({ continuous: true, breaks: [] });
  });

  it('counts a leap day inside a gap', () => {
    const a = statement('a', { period_start: '2028-02-01', period_end: '2028-02-27' });
    const b = statement('b', { period_start: '2028-03-02', period_end: '2028-03-31', starting_balance: '1100.00' });
    const [account] = analyzeStatements([a, b]).accounts;
    expect(account?.gaps).toEqual([{ from: '2028-02-28', to: '2028-03-01', days: 3 }]);
    expect(account?.covered_days).toBe(27 + 30);
  });

  it('reports overlaps between consecutive statements and counts shared days once', () => {
    const overlapping = statement('doc-2', {
      period_start: '2026-01-25',
      period_end: '2026-02-28',
      starting_balance: '2100.00',
      total_deposits: '0.00',
      total_withdrawals: '0.00',
      ending_balance: '2100.00',
    });
    const contained = statement('doc-3', {
      period_start: '2026-02-10',
      period_end: '2026-02-15',
      starting_balance: '2100.00',
      total_deposits: '0.00',
      total_withdrawals: '0.00',
      ending_balance: '2100.00',
    });
    const [account] = analyzeStatements([contained, overlapping, JAN]).accounts;
    expect(account?.doc_uuids).toEqual(['doc-jan', 'doc-2', 'doc-3']);
    expect(account?.overlaps).toEqual([
      { doc_uuids: ['doc-jan', 'doc-2'], from: '2026-01-25', to: '2026-01-31', days: 7 },
      { doc_uuids: ['doc-2', 'doc-3'], from: '2026-02-10', to: '2026-02-15', days: 6 },
    ]);
    expect(account?.gaps).toEqual([]);
    expect(account?.covered_days).toBe(31 + 28);
    expect(account?.period_end).toBe('2026-02-28');
  });

  it('lists a balance continuity break with the difference and both documents', () => {
    const doctored = statement('doc-feb-doctored', {
      period_start: '2026-02-01',
      period_end: '2026-02-28',
      starting_balance: '2050.25',
      total_deposits: '100.00',
      total_withdrawals: '0.00',
      ending_balance: '2150.25',
    });
    const result = analyzeStatements([doctored, JAN]);
    expect(result.continuity_break_count).toBe(1);
    expect(result.accounts[0]?.balance_continuity).toEqual({
      continuous: false,
      breaks: [
        {
          previous_doc_uuid: 'doc-jan',
          next_doc_uuid: 'doc-feb-doctored',
          previous_period_end: '2026-01-31',
          next_period_start: '2026-02-01',
          previous_ending_balance: '2100.00',
          next_starting_balance: '2050.25',
          difference: '-49.75',
        },
      ],
    });
    expect(result.accounts[0]?.arithmetic_breaks).toEqual([]);
  });

  it('lists a statement whose own figures do not add up', () => {
    const bad = statement('doc-bad', {
      starting_balance: '100.00',
      total_deposits: '50.00',
      total_withdrawals: '20.00',
      ending_balance: '140.00',
    });
    const negative = statement('doc-negative', {
      period_start: '2026-02-01',
      period_end: '2026-02-28',
      starting_balance: '140.00',
      total_deposits: '0.00',
      total_withdrawals: '140.05',
      ending_balance: '0.00',
    });
    const [account] = analyzeStatements([bad, negative]).accounts;
    expect(account?.arithmetic_breaks).toEqual([
      { doc_uuid: 'doc-bad', expected_ending_balance: '130.00', ending_balance: '140.00', difference: '10.00' },
      { doc_uuid: 'doc-negative', expected_ending_balance: '-0.05', ending_balance: '0.00', difference: '0.05' },
    ]);
    expect(account?.balance_continuity.continuous).toBe(true);
  });

  it('keeps accounts separate and sorted by account id', () => {
    const b1 = statement('b-1', { account_id: 'b-account', nsf_count: 4 });
    const a1 = statement('a-1', { account_id: 'a-account', period_start: '2026-03-01', period_end: '2026-03-31' });
    const b2 = statement('b-2', {
      account_id: 'b-account',
      period_start: '2026-03-01',
      period_end: '2026-03-31',
      starting_balance: '1100.00',
      ending_balance: '1200.00',
    });
    const result = analyzeStatements([b2, a1, b1]);
    expect(result.statement_count).toBe(3);
    expect(result.account_count).toBe(2);
    expect(result.gap_count).toBe(1);
    expect(result.accounts.map((a) => [a.account_id, a.doc_uuids, a.nsf_count, a.gaps])).toEqual([
      ['a-account', ['a-1'], 0, []],
      ['b-account', ['b-1', 'b-2'], 4, [{ from: '2026-02-01', to: '2026-02-28', days: 28 }]],
    ]);
    expect(result.accounts[0]?.total_deposits).toBe('300.00');
    expect(result.accounts[1]?.total_deposits).toBe('600.00');
  });

  it('gives the same output for any input order', () => {
    const twin = statement('doc-twin', {
      period_start: '2026-03-01',
      period_end: '2026-03-31',
      starting_balance: '0.00',
      ending_balance: '100.00',
    });
    const other = statement('other-1', { account_id: 'acc-0', period_start: '2026-01-15', period_end: '2026-02-14' });
    const input = [JAN, FEB, MAR, twin, other];
    const expected = analyzeStatements(input);
    // Deterministic permutations: reversed, rotated and interleaved.
    const orders = [
      [4, 3, 2, 1, 0],
      [2, 3, 4, 0, 1],
      [3, 0, 4, 1, 2],
      [1, 4, 0, 2, 3],
    ];
    for (const order of orders) {
      const shuffled = order.map((i) => input[i]!);
      expect(JSON.stringify(analyzeStatements(shuffled))).toBe(JSON.stringify(expected));
    }
    // Same period: the doc uuid decides, so doc-mar precedes doc-twin.
    expect(expected.accounts[1]?.doc_uuids).toEqual(['doc-jan', 'doc-feb', 'doc-mar', 'doc-twin']);
    expect(expected.accounts[1]?.overlaps).toEqual([
      { doc_uuids: ['doc-mar', 'doc-twin'], from: '2026-03-01', to: '2026-03-31', days: 31 },
    ]);
  });

  it('spreads a statement over the months it touches so the parts sum exactly to its total', () => {
    // 21 days: 12 in January (20..31) and 9 in February (1..9).
    // 10000 * 12 / 21 = 5714 r 6 and 10000 * 9 / 21 = 4285 r 15, so the leftover cent goes to February.
    const spanning = statement('doc-span', {
      period_start: '2026-01-20',
      period_end: '2026-02-09',
      starting_balance: '0.00',
      total_deposits: '100.00',
      total_withdrawals: '0.01',
      ending_balance: '99.99',
    });
    const [account] = analyzeStatements([spanning]).accounts;
    expect(account?.months).toEqual([
      { month: '2026-01', deposits: '57.14', withdrawals: '0.01' },
      { month: '2026-02', deposits: '42.86', withdrawals: '0.00' },
    ]);
  });

  it('breaks largest-remainder ties in favour of the earlier month', () => {
    // 30 days: 1 in January, 28 in February, 1 in March. 1000 cents: 33 r 10, 933 r 10, 33 r 10; one cent left.
    const threeMonths = statement('doc-3m', {
      period_start: '2026-01-31',
      period_end: '2026-03-01',
      starting_balance: '0.00',
      total_deposits: '10.00',
      total_withdrawals: '10.00',
      ending_balance: '0.00',
    });
    const [account] = analyzeStatements([threeMonths]).accounts;
    expect(account?.months).toEqual([
      { month: '2026-01', deposits: '0.34', withdrawals: '0.34' },
      { month: '2026-02', deposits: '9.33', withdrawals: '9.33' },
      { month: '2026-03', deposits: '0.33', withdrawals: '0.33' },
    ]);
  });

  it('sums the month parts of several statements per calendar month', () => {
    const spanning = statement('doc-span', {
      period_start: '2026-01-20',
      period_end: '2026-02-09',
      total_deposits: '100.00',
      total_withdrawals: '0.00',
      starting_balance: '0.00',
      ending_balance: '100.00',
    });
    const rest = statement('doc-rest', {
      period_start: '2026-02-10',
      period_end: '2026-02-28',
      total_deposits: '1.00',
      total_withdrawals: '0.00',
      starting_balance: '100.00',
      ending_balance: '101.00',
    });
    const [account] = analyzeStatements([rest, spanning]).accounts;
    expect(account?.months).toEqual([
      { month: '2026-01', deposits: '57.14', withdrawals: '0.00' },
      { month: '2026-02', deposits: '43.86', withdrawals: '0.00' },
    ]);
    expect(account?.total_deposits).toBe('101.00');
    expect(account?.balance_continuity.continuous).toBe(true);
  });

  it('scales averages to a 30.4375-day month and rounds half away from zero', () => {
    // One day. 8 cents * 30.4375 = 243.5 -> 244; 1 cent * 30.4375 = 30.4375 -> 30.
    const oneDay = statement('doc-day', {
      period_start: '2026-01-01',
      period_end: '2026-01-01',
      starting_balance: '0.00',
      total_deposits: '0.08',
      total_withdrawals: '0.01',
      ending_balance: '0.07',
    });
    const [day] = analyzeStatements([oneDay]).accounts;
    expect([day?.average_monthly_deposits, day?.average_monthly_withdrawals]).toEqual(['2.44', '0.30']);

    // 15 cents * 30.4375 = 456.5625 -> 457; 10000 cents over 21 days * 30.4375 = 14494.05 -> 14494.
    const [fifteen] = analyzeStatements([statement('x', { ...oneDay.fields, total_deposits: 15 })]).accounts;
    expect(fifteen?.average_monthly_deposits).toBe('4.57');
    const threeWeeks = statement('doc-3w', {
      period_start: '2026-01-20',
      period_end: '2026-02-09',
      starting_balance: '0.00',
      total_deposits: '100.00',
      total_withdrawals: '0.00',
      ending_balance: '100.00',
    });
    expect(analyzeStatements([threeWeeks]).accounts[0]?.average_monthly_deposits).toBe('144.94');
  });

  it('averages over covered days only, excluding gaps and double-counted overlaps', () => {
    // JAN (31 days, 3100.00 deposits) plus an empty statement over 2026-02-11..02-28 (18 days): 49 covered days.
    // 310000 * 30.4375 / 49 = 192563.78 cents.
    const later = statement('doc-2', {
      period_start: '2026-02-11',
      period_end: '2026-02-28',
      starting_balance: '2100.00',
      total_deposits: '0.00',
      total_withdrawals: '0.00',
      ending_balance: '2100.00',
    });
    expect(analyzeStatements([JAN, later]).accounts[0]?.average_monthly_deposits).toBe('1925.64');
  });

  it('sums amounts beyond the safe integer range exactly', () => {
    const huge = Array.from({ length: 10 }, (_, i) =>
      statement(`doc-${i}`, {
        period_start: '2026-01-01',
        period_end: '2026-01-01',
        starting_balance: 0,
        total_deposits: '9999999999999.99',
        total_withdrawals: 0,
        ending_balance: '9999999999999.99',
      }),
    );
    const [account] = analyzeStatements(huge).accounts;
    expect(account?.total_deposits).toBe('99999999999999.90');
    expect(account?.months).toEqual([{ month: '2026-01', deposits: '99999999999999.90', withdrawals: '0.00' }]);
  });
});
