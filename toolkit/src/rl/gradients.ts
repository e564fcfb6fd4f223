/**
 * Gradient bookkeeping shared by SFT and RL: accumulation over micro-batches and the scale
 * that clips by global norm.
 */
import { tf } from '../models/tfjs/index.js';

/**
 * The factor that averages accumulated gradients and scales them so their global norm is at
 * most `maxNorm`, and that norm. The optimizer applies the factor (ScaledAdam), so no scaled
 * copy of every gradient is made.
 */
export async function globalNormScale(grads: Record<string, tf.Tensor>, maxNorm: number, accumulated: number): Promise<{ scale: number; norm: number }> {
  // Summed pairwise, not with addN: WebGPU binds every addN input at once, and a model has more
  // gradient tensors than a compute stage may bind (8 storage buffers by default).
  const squared = tf.tidy(() => Object.values(grads).map(sumOfSquares).reduce((a, b) => tf.add(a, b)));
  const norm = Math.sqrt((await squared.data())[0] as number) / accumulated;
  squared.dispose();
  return { scale: (norm > maxNorm ? maxNorm / norm : 1) / accumulated, norm };
}

/**
 * Σx², reduced along the last axis first: tfjs's WebGPU reduction gives each output one
 * workgroup, so summing a whole [151936, 896] embedding gradient into one number ran on one
 * workgroup (160 ms of a 0.5B model's SFT step); by rows it is spread over the GPU.
 */
function sumOfSquares(x: tf.Tensor): tf.Scalar {
  const squares = tf.square(x);
  return (x.rank >= 2 ? tf.sum(tf.sum(squares, -1)) : tf.sum(squares)) as tf.Scalar;
}

/** Adds `grads` into `sum` (both by variable name), disposing what it replaces. */
export function accumulateGradients(sum: Record<string, tf.Tensor> | undefined, grads: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  if (sum === undefined) return grads;
  const next = Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, sum[name] ? tf.add(sum[name], g) : g]));
  for (const [name, g] of Object.entries(grads)) if (sum[name]) g.dispose();
  for (const t of Object.values(sum)) t.dispose();
  return next;
}
