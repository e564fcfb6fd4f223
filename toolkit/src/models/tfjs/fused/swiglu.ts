/**
 * SwiGLU's gate, silu(g) ⊙ u with silu(g) = g · σ(g), as one op with its own gradient:
 *
 *   dg = dy ⊙ u ⊙ σ(g) · (1 + g · (1 − σ(g)))        du = dy ⊙ silu(g)
 *
 * One kernel forward and two backward on WebGPU, where tfjs's sigmoid, products and their
 * gradients took about 11. Elsewhere the same formulas run as tfjs ops.
 *
 * @example
 * ```ts
 * import { fusedSwiglu, useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend();
 * fusedSwiglu(tf.tensor1d([0, 1]), tf.tensor1d([2, 2])).print(); // [0, 1.4621]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { runKernel } from './program.js';
import { onWebGpu } from './switch.js';

/** silu(gate) ⊙ up, elementwise over tensors of one shape; differentiable in both. */
export function fusedSwiglu<T extends tf.Tensor>(gate: T, up: T): T {
  const op = tf.customGrad(((g: tf.Tensor, u: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    save([g, u]);
    return {
      value: elementwise('swiglu', { G: g, U: u }, 'let s = 1.0 / (1.0 + exp(-G[index])); result[index] = G[index] * s * U[index];', () => tf.mul(tf.mul(g, tf.sigmoid(g)), u)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [gs, us] = saved as [tf.Tensor, tf.Tensor];
        const dg = elementwise('swiglu_dg', { G: gs, U: us, Dy: dy }, 'let g = G[index]; let s = 1.0 / (1.0 + exp(-g)); result[index] = Dy[index] * U[index] * s * (1.0 + g * (1.0 - s));',
          () => tf.tidy(() => {
            const s = tf.sigmoid(gs);
            return tf.mul(tf.mul(tf.mul(dy, us), s), tf.add(1, tf.mul(gs, tf.sub(1, s))));
          }));
        const du = elementwise('swiglu_du', { G: gs, Dy: dy }, 'let g = G[index]; result[index] = Dy[index] * g / (1.0 + exp(-g));', () => tf.mul(dy, tf.mul(gs, tf.sigmoid(gs))));
        return [dg, du];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(gate, up) as T;
}

/** One elementwise WGSL kernel over same-shaped inputs on WebGPU; `twin` (tfjs ops) elsewhere. */
function elementwise(key: string, inputs: Record<string, tf.Tensor>, body: string, twin: () => tf.Tensor): tf.Tensor {
  if (!onWebGpu()) return twin();
  const shape = (Object.values(inputs)[0] as tf.Tensor).shape;
  return runKernel({ key, inputs, outputShape: shape, threads: shape.reduce((a, b) => a * b, 1), code: `fn main(index : i32) { if (index < uniforms.size) { ${body} } }` });
}
