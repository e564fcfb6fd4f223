/**
 * Gradient bookkeeping shared by SFT and RL: accumulation over micro-batches and clipping by
 * global norm.
 */
import { tf } from '../models/tfjs/index.js';

/** Averages accumulated gradients and scales them so their global norm is at most `maxNorm`. */
export async function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number, accumulated: number): Promise<{ clipped: Record<string, tf.Tensor>; norm: number }> {
  // Summed pairwise, not with addN: WebGPU binds every addN input at once, and a model has more
  // gradient tensors than a compute stage may bind (8 storage buffers by default).
  const squared = tf.tidy(() => Object.values(grads).map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)));
  const norm = Math.sqrt((await squared.data())[0] as number) / accumulated;
  squared.dispose();
  const scale = (norm > maxNorm ? maxNorm / norm : 1) / accumulated;
  const clipped = Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)]));
  return { clipped, norm };
}

/** Adds `grads` into `sum` (both by variable name), disposing what it replaces. */
export function accumulateGradients(sum: Record<string, tf.Tensor> | undefined, grads: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  if (sum === undefined) return grads;
  const next = Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, sum[name] ? tf.add(sum[name], g) : g]));
  for (const [name, g] of Object.entries(grads)) if (sum[name]) g.dispose();
  for (const t of Object.values(sum)) t.dispose();
  return next;
}
