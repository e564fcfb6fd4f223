/**
 * log softmax(logits)[target] per row, the log-probability every training objective here is built
 * from (SFT's cross-entropy, PPO's ratio, the KL to a reference), without the [N, V] one-hot matrix
 * it was read out with (for a 151,936-token vocabulary and 2,048 tokens, 1.2 GB and three passes
 * over it). Its gradient is dlogits = dy · (onehot(target) − softmax(logits)), written in one pass
 * from the row's log-sum-exp, recovered as logit[target] − logp.
 *
 * On WebGPU: a kernel per row forward (max, sum of exponents, the target's logit) and one
 * elementwise kernel backward. Elsewhere the one-hot product, which has a gradient on WASM.
 *
 * @example
 * ```ts
 * import { targetLogProbs, useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend();
 * targetLogProbs(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32')).print(); // [log 0.5]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { runKernel, workgroupMax, workgroupSum } from './program.js';
import { onWebGpu } from './switch.js';

const THREADS = 256;

/** log p(target) under softmax(logits) per row: logits [N, V], targets int32 [N] → [N]; differentiable in logits. */
export function targetLogProbs(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [rows, vocab] = logits.shape;
  const uniforms = [{ name: 'rows', type: 'i32' as const, value: rows }, { name: 'vocab', type: 'i32' as const, value: vocab }];
  const op = tf.customGrad(((x: tf.Tensor, t: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    const logp = onWebGpu()
      ? runKernel({
        key: 'target_log_probs', inputs: { Logits: x, Targets: t }, outputShape: [rows], threads: rows * THREADS, workgroupSize: THREADS, uniforms,
        code: `
          var<workgroup> partial : array<f32, ${THREADS}>;
          fn main(index : i32) {
            let row = workgroupIndex();
            let live = row < uniforms.rows;
            let base = row * uniforms.vocab;
            var best = -3.4e38;
            if (live) {
              for (var v = i32(localIndex); v < uniforms.vocab; v = v + ${THREADS}) { best = max(best, Logits[base + v]); }
            }
            ${workgroupMax('best', THREADS)}
            let top = partial[0];
            var total = 0.0;
            if (live) {
              for (var v = i32(localIndex); v < uniforms.vocab; v = v + ${THREADS}) { total = total + exp(Logits[base + v] - top); }
            }
            ${workgroupSum('total', THREADS)}
            if (live && localIndex == 0u) { result[row] = Logits[base + Targets[row]] - top - log(partial[0]); }
          }`,
      })
      : tf.sum(tf.mul(tf.oneHot(t, vocab), tf.logSoftmax(x)), -1);
    save([x, t, logp]);
    return {
      value: logp,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ts, lp] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dx = onWebGpu()
          ? runKernel({
            key: 'target_log_probs_dx', inputs: { Logits: xs, Targets: ts, Logp: lp, Dy: dy }, outputShape: xs.shape, threads: xs.size, uniforms,
            code: `
              fn main(index : i32) {
                if (index < uniforms.size) {
                  let row = index / uniforms.vocab;
                  let v = index % uniforms.vocab;
                  let wanted = Targets[row];
                  let lse = Logits[row * uniforms.vocab + wanted] - Logp[row];
                  var hit = 0.0;
                  if (v == wanted) { hit = 1.0; }
                  result[index] = Dy[row] * (hit - exp(Logits[index] - lse));
                }
              }`,
          })
          : tf.tidy(() => tf.mul(tf.expandDims(dy, 1), tf.sub(tf.oneHot(ts, vocab), tf.softmax(xs))));
        // Targets are token ids, not a function of any variable: their gradient is never read (see rope.ts).
        return [dx, dy];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(logits, targets) as tf.Tensor1D;
}
