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
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB) as unknown as T;
  const left = transposeA ? swapLastAxes(a) : a;
  const right = transposeB ? swapLastAxes(b) : b;
  if (left.rank <= 2 || left.shape.slice(0, -2).join() !== right.shape.slice(0, -2).join()) return tf.matMul(left, right) as unknown as T;
  return slicedMatMul(left, right) as unknown as T;
}

/**
 * A batched product as one 2-D product per batch entry: WASM's batched kernel runs ~10x slower
 * than its 2-D one (attention's [B, heads, T, D] products were the slowest part of training).
 */
function slicedMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const batchShape = a.shape.slice(0, -2);
  const count = batchShape.reduce((x, y) => x * y, 1);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1] as number;
  // One entry: a plain 2-D product (tfjs's gradient of a one-way split fails: it concatenates a lone tensor).
  if (count === 1) return tf.reshape(tf.matMul(tf.reshape(a, [m, k]), tf.reshape(b, [k, n])), [...batchShape, m, n]);
  // Rows of one 2-D matrix split into the batch entries: SplitV is a fast native kernel (Unpack is not).
  const lefts = tf.split(tf.reshape(a, [count * m, k]), count, 0);
  const rights = tf.split(tf.reshape(b, [count * k, n]), count, 0);
  const products = lefts.map((l, i) => tf.matMul(l as tf.Tensor2D, rights[i] as tf.Tensor2D));
  return tf.reshape(tf.concat(products, 0), [...batchShape, m, n]);
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
