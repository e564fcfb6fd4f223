/**
 * Matrix products that stay on the fast path of every backend. tfjs's WASM backend runs a plain
 * product through XNNPACK (~20 GFLOP/s on one core here) but a product with a transposed operand
 * through a slow loop (~1 GFLOP/s): 90% of a training step went there, since every weight
 * gradient is `xᵀ · dy`. On WASM the operand is transposed explicitly first (a cheap copy);
 * elsewhere the flags are passed through.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `a · b` with optional transposes of the last two axes, fast on every backend. */
export function matMul<T extends tf.Tensor>(a: T, b: tf.Tensor, transposeA = false, transposeB = false): T {
  if (tf.getBackend() !== 'wasm' || (!transposeA && !transposeB)) return tf.matMul(a, b, transposeA, transposeB) as unknown as T;
  return tf.matMul(transposeA ? swapLastAxes(a) : a, transposeB ? swapLastAxes(b) : b) as unknown as T;
}

function swapLastAxes(x: tf.Tensor): tf.Tensor {
  const axes = [...x.shape.keys()];
  const n = axes.length;
  [axes[n - 2], axes[n - 1]] = [axes[n - 1] as number, axes[n - 2] as number];
  return tf.transpose(x, axes);
}

let registered = false;

/**
 * Replaces tfjs's gradient of `BatchMatMul` by the same four formulas computed with {@link matMul},
 * so that backpropagation also stays on the fast path. Idempotent.
 */
export function registerMatMulGradient(): void {
  if (registered) return;
  registered = true;
  const originalWarn = console.warn;
  // tfjs warns when a gradient is overridden; that is the point here.
  console.warn = () => undefined;
  try {
    tf.registerGradient({
      kernelName: tf.BatchMatMul,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved, attrs) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
        const g = dy as tf.Tensor;
        if (!transposeA && !transposeB) return { a: () => matMul(g, b, false, true), b: () => matMul(a, g, true, false) };
        if (!transposeA && transposeB) return { a: () => matMul(g, b, false, false), b: () => matMul(g, a, true, false) };
        if (transposeA && !transposeB) return { a: () => matMul(b, g, false, true), b: () => matMul(a, g, false, false) };
        return { a: () => matMul(b, g, true, true), b: () => matMul(g, a, true, true) };
      },
    });
  } finally {
    console.warn = originalWarn;
  }
}
