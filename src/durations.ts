/** Durations as configuration, the API and the console write them: "500ms", "30s", "5m", "2h", "3d". */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: MINUTE_MS, h: 3_600_000, d: DAY_MS };
/** Largest first: a duration is written in the largest unit that divides it. */
const UNITS_DESCENDING: Array<[string, number]> = [
  ['d', DAY_MS],
  ['h', 3_600_000],
  ['m', MINUTE_MS],
  ['s', 1000],
];

/** "0s", "5m", "2h", "3d" → ms. */
export function parseDuration(value: string): number {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a duration such as "30s", "5m", "2h" or "3d"`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** 7200000 → "2h": the largest unit that divides it (parseDuration reads it back). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const [unit, size] = UNITS_DESCENDING.find(([, unitMs]) => ms % unitMs === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}
