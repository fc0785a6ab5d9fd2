/**
 * Calendar arithmetic on integer day numbers (days since 1970-01-01, proleptic Gregorian).
 * Pure integer maths, no Date object: results never depend on the host's time zone or clock,
 * so this is safe inside Temporal workflow code.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Howard Hinnant's days_from_civil: years are shifted to start in March so the leap day is last. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Inverse of daysFromCivil. */
function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Day number of a 'YYYY-MM-DD' string, or undefined when it is malformed or not a real date (2026-02-30). */
export function parseIsoDate(iso: string): number | undefined {
  const match = ISO_DATE.exec(iso);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** Like parseIsoDate, for dates already validated by the contract; a bad one is a programming error. */
export function toDayNumber(iso: string): number {
  const day = parseIsoDate(iso);
  if (day === undefined) throw new RangeError(`Not a calendar date: ${JSON.stringify(iso)}`);
  return day;
}

export function toIsoDate(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

export interface MonthSlice {
  /** 'YYYY-MM' */
  month: string;
  days: number;
}

/** The calendar months touched by the inclusive day range [start, end], with the days of the range in each. */
export function monthSlices(start: number, end: number): MonthSlice[] {
  const slices: MonthSlice[] = [];
  let { year, month } = civilFromDays(start);
  let cursor = start;
  while (cursor <= end) {
    const monthEnd = daysFromCivil(year, month, 1) + daysInMonth(year, month) - 1;
    const sliceEnd = Math.min(monthEnd, end);
    slices.push({ month: `${pad(year, 4)}-${pad(month, 2)}`, days: sliceEnd - cursor + 1 });
    cursor = sliceEnd + 1;
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return slices;
}
