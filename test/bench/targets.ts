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

export const met = (target: Target): boolean =>
  target.direction === 'at least' ? target.value >= target.bound : target.value <= target.bound;

/** Prints each figure beside its target and `met` / `NOT met`, so a run shows at a glance where bookbell stands. */
export function printTargets(title: string, targets: Target[]): void {
  const show = (target: Target, n: number) => `${n.toFixed(target.digits ?? 2)}${target.unit}`;
  console.log(`\n${title}\n`);
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
