/**
 * Attention's softmax(scores · scale + mask) over the keys as one op with its own gradient,
 * dS = scale · P ⊙ (dP − Σ_keys dP ⊙ P). One kernel each way on WebGPU (a workgroup per row of
 * scores) where tfjs's scaling, mask addition, max, subtraction, exponent, sum and division took
 * 7 forward and about 10 backward per layer. The products with the keys and values stay tfjs's.
 *
 * @example
 * ```ts
 * import { fusedMaskedSoftmax, useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend();
 * // The second key is masked out: all the weight goes to the first.
 * fusedMaskedSoftmax(tf.zeros([1, 1, 1, 2]) as tf.Tensor4D, tf.tensor4d([[[[0, -1e9]]]]), 0.5).print(); // [[[[1, 0]]]]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { runKernel, workgroupMax, workgroupSum } from './program.js';
import { onWebGpu } from './switch.js';

const THREADS = 128;

/**
 * softmax(scores · scale + mask) over the last axis. scores [B, H, R, K]; mask [B, 1, R, K] (the
 * same for every head) or [B, 1, 1, K] (one row for every query row, an encoder's padding mask).
 * Differentiable in scores.
 */
export function fusedMaskedSoftmax(scores: tf.Tensor4D, mask: tf.Tensor4D, scale: number): tf.Tensor4D {
  const [, heads, rows, keys] = scores.shape;
  const maskRows = mask.shape[2];
  const uniforms = [
    { name: 'rows', type: 'i32' as const, value: scores.size / keys },
    { name: 'keys', type: 'i32' as const, value: keys },
    { name: 'heads', type: 'i32' as const, value: heads },
    { name: 'queryRows', type: 'i32' as const, value: rows },
    { name: 'maskRows', type: 'i32' as const, value: maskRows },
    { name: 'scale', type: 'f32' as const, value: scale },
  ];
  const op = tf.customGrad(((s: tf.Tensor, m: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    const p = onWebGpu()
      ? runKernel({
        key: 'masked_softmax', inputs: { Scores: s, Mask: m }, outputShape: s.shape, threads: (s.size / keys) * THREADS, workgroupSize: THREADS, uniforms,
        code: `
          var<workgroup> partial : array<f32, ${THREADS}>;
          fn logit(base : i32, maskBase : i32, k : i32) -> f32 {
            return Scores[base + k] * uniforms.scale + Mask[maskBase + k];
          }
          fn main(index : i32) {
            let row = workgroupIndex();
            let live = row < uniforms.rows;
            let base = row * uniforms.keys;
            let b = row / (uniforms.heads * uniforms.queryRows);
            let r = (row % uniforms.queryRows) % uniforms.maskRows;
            let maskBase = (b * uniforms.maskRows + r) * uniforms.keys;
            var best = -3.4e38;
            if (live) {
              for (var k = i32(localIndex); k < uniforms.keys; k = k + ${THREADS}) { best = max(best, logit(base, maskBase, k)); }
            }
            ${workgroupMax('best', THREADS)}
            let top = partial[0];
            var total = 0.0;
            if (live) {
              for (var k = i32(localIndex); k < uniforms.keys; k = k + ${THREADS}) { total = total + exp(logit(base, maskBase, k) - top); }
            }
            ${workgroupSum('total', THREADS)}
            let sum = partial[0];
            if (live) {
              for (var k = i32(localIndex); k < uniforms.keys; k = k + ${THREADS}) { result[base + k] = exp(logit(base, maskBase, k) - top) / sum; }
            }
          }`,
      })
      : tf.softmax(tf.add(tf.mul(s, scale), m));
    save([p]);
    return {
      value: p,
      gradFunc: (dp: tf.Tensor, saved: tf.Tensor[]) => {
        const [ps] = saved as [tf.Tensor];
        const ds = onWebGpu()
          ? runKernel({
            key: 'masked_softmax_ds', inputs: { P: ps, Dp: dp }, outputShape: ps.shape, threads: (ps.size / keys) * THREADS, workgroupSize: THREADS, uniforms,
            code: `
              var<workgroup> partial : array<f32, ${THREADS}>;
              fn main(index : i32) {
                let row = workgroupIndex();
                let live = row < uniforms.rows;
                let base = row * uniforms.keys;
                var dot = 0.0;
                if (live) {
                  for (var k = i32(localIndex); k < uniforms.keys; k = k + ${THREADS}) { dot = dot + Dp[base + k] * P[base + k]; }
                }
                ${workgroupSum('dot', THREADS)}
                let total = partial[0];
                if (live) {
                  for (var k = i32(localIndex); k < uniforms.keys; k = k + ${THREADS}) { result[base + k] = uniforms.scale * P[base + k] * (Dp[base + k] - total); }
                }
              }`,
          })
          : tf.tidy(() => tf.mul(scale, tf.mul(ps, tf.sub(dp, tf.sum(tf.mul(dp, ps), -1, true)))));
        // The mask is built from the key mask, never from variables: its gradient is never read (see rope.ts).
        return [ds, dp];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(scores, mask) as tf.Tensor4D;
}
