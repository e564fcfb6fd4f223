/**
 * GenAcc-style means in percent, by question type: the one way the lab run's report, the sweep's
 * table and the transfer table summarize per-question 0/1 scores, and bootstrap intervals in points.
 *
 * @example
 * ```ts
 * percentByType([{ type: 'bridge', genAcc: 1 }, { type: 'single-hop', genAcc: 0 }], (r) => r.genAcc);
 * // { all: 50, bridge: 100, 'single-hop': 0, 'multi-hop': 100 }
 * ```
 */
import { pairedBootstrap, type BootstrapInterval } from '../eval/bootstrap.js';

/** The lab world's multi-hop question types. */
export const MULTI_HOP_TYPES: ReadonlySet<string> = new Set(['bridge', 'comparison', 'paraphrase']);

/** The mean of `pick` × 100 over all rows (`all`), per type, and over the multi-hop types (when any). */
export function percentByType<T extends { type?: string }>(rows: readonly T[], pick: (row: T) => number): Record<string, number> {
  const mean = (subset: readonly T[]): number => (subset.length ? (100 * subset.reduce((a, r) => a + pick(r), 0)) / subset.length : 0);
  const out: Record<string, number> = { all: mean(rows) };
  for (const t of new Set(rows.map((r) => r.type ?? 'all'))) out[t] = mean(rows.filter((r) => (r.type ?? 'all') === t));
  const multi = rows.filter((r) => MULTI_HOP_TYPES.has(r.type ?? ''));
  if (multi.length) out['multi-hop'] = mean(multi);
  return out;
}

/**
 * The 95% bootstrap interval of the mean of per-question 0/1 scores, in points.
 *
 * @example
 * ```ts
 * meanInterval([1, 0, 1, 1]).mean; // 75
 * ```
 */
export function meanInterval(values: readonly number[], seed = 1): BootstrapInterval {
  return inPoints(pairedBootstrap(values.map(() => 0), values, { seed }));
}

/** A bootstrap interval of 0/1 or ±1 scores, in points. */
export function inPoints(interval: BootstrapInterval): BootstrapInterval {
  return { ...interval, mean: 100 * interval.mean, low: 100 * interval.low, high: 100 * interval.high };
}

/** A number rounded to `digits` decimals, for tables. */
export function roundTo(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
