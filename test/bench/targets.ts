import { appendFileSync } from 'node:fs';
import { printTable } from './harness.js';

/** One figure of issue "Performance" with its bound: `at least` (higher is better) or `at most`. */
export interface Target {
  figure: string;
  value: number;
  bound: number;
  direction: 'at least' | 'at most';
  /** How to print value and bound, e.g. `×`, ` ms`, ` /s`, ` MiB`. */
  unit: string;
  digits?: number;
}

/** A figure not measured (NaN; null once through JSON) meets nothing. */
export const met = (target: Target): boolean =>
  Number.isFinite(target.value) &&
  (target.direction === 'at least' ? target.value >= target.bound : target.value <= target.bound);

/**
 * `npm run bench` (test/bench/all.ts) names a file here: each part appends the targets it printed, one JSON line per
 * table, and the run ends with all of them.
 */
export const TARGETS_FILE_ENV = 'BENCH_TARGETS_FILE';

/** Prints each figure beside its target and `met` / `NOT met`, so a run shows at a glance where bookbell stands. */
export function printTargets(title: string, targets: Target[]): void {
  console.log(`\n${title}\n`);
  printTargetTable(targets);
  const file = process.env[TARGETS_FILE_ENV];
  if (file) appendFileSync(file, `${JSON.stringify(targets)}\n`);
}

export function printTargetTable(targets: Target[]): void {
  // JSON has no NaN (a figure a failed stage never measured): it comes back from the file as null.
  const show = (target: Target, n: number | null) =>
    n === null || !Number.isFinite(n) ? 'not measured' : `${n.toFixed(target.digits ?? 2)}${target.unit}`;
  printTable(
    ['figure', 'measured', 'target', 'verdict'],
    targets.map((target) => [
      target.figure,
      show(target, target.value),
      `${target.direction === 'at least' ? '≥' : '≤'} ${show(target, target.bound)}`,
      met(target) ? 'met' : 'NOT met',
    ]),
  );
}
