/**
 * Paired bootstrap of a mean difference: how sure can one be that method B beats method A on
 * the same questions? Questions are resampled with replacement (seeded), the mean of B − A is
 * taken each time, and the percentile interval is reported.
 */
import { Random } from '../core/random.js';

export interface BootstrapInterval {
  /** Mean of b − a over the questions. */
  mean: number;
  /** Percentile interval of the resampled means. */
  low: number;
  high: number;
  /** Confidence level of [low, high], e.g. 0.95. */
  level: number;
  resamples: number;
  n: number;
}

/**
 * @example
 * ```ts
 * pairedBootstrap([0, 0, 1, 0], [1, 0, 1, 1]); // { mean: 0.5, low: 0.25, high: 0.75, … }
 * ```
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], options: { resamples?: number; level?: number; seed?: number } = {}): BootstrapInterval {
  if (a.length !== b.length) throw new Error(`pairedBootstrap: ${a.length} and ${b.length} scores; the two methods must be scored on the same questions`);
  if (a.length === 0) throw new Error('pairedBootstrap: no scores');
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const differences = b.map((x, i) => x - (a[i] as number));
  const n = differences.length;
  const random = new Random(options.seed ?? 0, 'bootstrap');
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random.next() * n)] as number;
    means.push(sum / n);
  }
  means.sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  const at = (q: number): number => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))] as number;
  return { mean: differences.reduce((s, x) => s + x, 0) / n, low: at(tail), high: at(1 - tail), level, resamples, n };
}
