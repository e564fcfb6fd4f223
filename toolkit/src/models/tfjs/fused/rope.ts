/**
 * The rotary embedding applied while splitting heads: x [B, T, H·D] (a projection's output) to
 * [B, H, T, D] rotated, out = x·cos + rotate_half(x)·sin with rotate_half = [−x₂, x₁], as Llama
 * applies it. One kernel each way on WebGPU, where the reshape, transpose, split, negation,
 * concatenation, products and sum took 7 forward and more backward. The gradient is the
 * transposed rotation, split back into the [B, T, H·D] layout:
 *
 *   dx_j = dy_j · cos_j + (j < D/2 ? dy_{j+D/2} · sin_{j+D/2} : −dy_{j−D/2} · sin_{j−D/2})
 *
 * @example
 * ```ts
 * import { fusedRope, useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend();
 * // Position 0 (cos 1, sin 0) leaves the heads as they were: [1, 2, 3, 4] split into 2 heads of 2.
 * fusedRope(tf.tensor3d([[[1, 2, 3, 4]]]), 2, tf.ones([1, 1, 1, 2]) as tf.Tensor4D, tf.zeros([1, 1, 1, 2]) as tf.Tensor4D).print();
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { runKernel } from './program.js';
import { onWebGpu } from './switch.js';

/**
 * x [B, T, heads·D] (plus `bias` [heads·D], the projection's, when given) split into heads and
 * rotated by the tables cos, sin [B, 1, T, D]; [B, heads, T, D]. Differentiable in x and the bias
 * (the tables carry no gradient).
 */
export function fusedRope(x: tf.Tensor3D, heads: number, cos: tf.Tensor4D, sin: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  const [batch, time, width] = x.shape;
  const dim = width / heads;
  const uniforms = [{ name: 'heads', type: 'i32' as const, value: heads }, { name: 'time', type: 'i32' as const, value: time }, { name: 'dim', type: 'i32' as const, value: dim }];
  const biased = bias !== undefined;
  const op = tf.customGrad(((...args: tf.Tensor[]) => {
    const [input, c, s] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    const b = biased ? (args[3] as tf.Tensor) : undefined;
    const save = args[biased ? 4 : 3] as unknown as (tensors: tf.Tensor[]) => void;
    save([c, s]);
    // The bias is added where x is read: X(i) is the projection's output at flat index i.
    const read = biased ? 'fn readX(i : i32) -> f32 { return X[i] + Bias[i % (uniforms.heads * uniforms.dim)]; }' : 'fn readX(i : i32) -> f32 { return X[i]; }';
    const value = onWebGpu()
      ? runKernel({
        key: `rope_${biased}`, inputs: { X: input, C: c, S: s, ...(b ? { Bias: b } : {}) }, outputShape: [batch, heads, time, dim], threads: input.size, uniforms,
        code: `
          ${read}
          fn main(index : i32) {
            if (index < uniforms.size) {
              let d = index % uniforms.dim;
              let t = (index / uniforms.dim) % uniforms.time;
              let h = (index / (uniforms.dim * uniforms.time)) % uniforms.heads;
              let b = index / (uniforms.dim * uniforms.time * uniforms.heads);
              let half = uniforms.dim / 2;
              let row = (b * uniforms.time + t) * uniforms.heads * uniforms.dim + h * uniforms.dim;
              let table = (b * uniforms.time + t) * uniforms.dim + d;
              var rotated = 0.0;
              if (d < half) { rotated = -readX(row + d + half); } else { rotated = readX(row + d - half); }
              result[index] = readX(row + d) * C[table] + rotated * S[table];
            }
          }`,
      })
      : tf.tidy(() => {
        const split = tf.transpose(tf.reshape(b ? tf.add(input, b) : input, [batch, time, heads, dim]), [0, 2, 1, 3]);
        const [x1, x2] = tf.split(split, 2, 3);
        return tf.add(tf.mul(split, c), tf.mul(tf.concat([tf.neg(x2 as tf.Tensor), x1 as tf.Tensor], 3), s));
      });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [cs, ss] = saved as [tf.Tensor, tf.Tensor];
        const dx = onWebGpu()
          ? runKernel({
            key: 'rope_dx', inputs: { Dy: dy, C: cs, S: ss }, outputShape: [batch, time, width], threads: dy.size, uniforms,
            code: `
              fn main(index : i32) {
                if (index < uniforms.size) {
                  let j = index % uniforms.dim;
                  let h = (index / uniforms.dim) % uniforms.heads;
                  let t = (index / (uniforms.dim * uniforms.heads)) % uniforms.time;
                  let b = index / (uniforms.dim * uniforms.heads * uniforms.time);
                  let half = uniforms.dim / 2;
                  let head = ((b * uniforms.heads + h) * uniforms.time + t) * uniforms.dim;
                  let table = (b * uniforms.time + t) * uniforms.dim;
                  var rotated = 0.0;
                  if (j < half) { rotated = Dy[head + j + half] * S[table + j + half]; } else { rotated = -Dy[head + j - half] * S[table + j - half]; }
                  result[index] = Dy[head + j] * C[table + j] + rotated;
                }
              }`,
          })
          : tf.tidy(() => {
            const [d1, d2] = tf.split(tf.mul(dy, ss), 2, 3);
            const unrotated = tf.add(tf.mul(dy, cs), tf.concat([d2 as tf.Tensor, tf.neg(d1 as tf.Tensor)], 3));
            return tf.reshape(tf.transpose(unrotated, [0, 2, 1, 3]), [batch, time, width]);
          });
        // The tables are built from positions, never from variables: tfjs calls only the gradients
        // of inputs that lead to a variable, so theirs are placeholders that are never read.
        return biased ? [dx, dy, dy, tf.sum(dx, [0, 1])] : [dx, dy, dy];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (biased ? op(x, cos, sin, bias) : op(x, cos, sin)) as tf.Tensor4D;
}
