/**
 * Gradient bookkeeping shared by SFT and RL: accumulation over micro-batches and the scale
 * that clips by global norm.
 */
import { sumOfSquares, tf } from '../models/tfjs/index.js';

/**
 * The factor that averages accumulated gradients and scales them so their global norm is at
 * most `maxNorm`, and that norm. The optimizer applies the factor (ScaledAdam), so no scaled
 * copy of every gradient is made.
 */
export async function globalNormScale(grads: Record<string, tf.Tensor>, maxNorm: number, accumulated: number): Promise<{ scale: number; norm: number }> {
  const squared = sumOfSquares(Object.values(grads));
  const norm = Math.sqrt((await squared.data())[0] as number) / accumulated;
  squared.dispose();
  return { scale: (norm > maxNorm ? maxNorm / norm : 1) / accumulated, norm };
}

/** Adds `grads` into `sum` (both by variable name), disposing what it replaces. */
export function accumulateGradients(sum: Record<string, tf.Tensor> | undefined, grads: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  if (sum === undefined) return grads;
  const next = Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, sum[name] ? tf.add(sum[name], g) : g]));
  for (const [name, g] of Object.entries(grads)) if (sum[name]) g.dispose();
  for (const t of Object.values(sum)) t.dispose();
  return next;
}
