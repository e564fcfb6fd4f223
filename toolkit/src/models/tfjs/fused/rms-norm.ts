/**
 * RMSNorm as Llama computes it, y = x · r · w with r = 1 / √(mean(x²) + ε) per row, as one op
 * with its own gradient:
 *
 *   dx = r · (dy ⊙ w) − x · r³ · Σⱼ(dyⱼ wⱼ xⱼ) / H        dw = Σ_rows dy ⊙ x · r
 *
 * On WebGPU that is one kernel forward (a workgroup per row) and four backward (r per row again,
 * dx per row, dw by chunks of rows, a sum over the chunks) where tfjs's ops took about 6 and 15;
 * r is recomputed rather than saved so that inference, which has no backward pass, runs one
 * kernel per norm. Elsewhere the same formulas run as tfjs ops (the twin the tests check against
 * autodiff of the unfused op).
 *
 * @example
 * ```ts
 * import { fusedRmsNorm, useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend();
 * const y = fusedRmsNorm(tf.ones([1, 2, 4]) as tf.Tensor3D, tf.ones([4]) as tf.Tensor1D, 1e-6); // ≈ 1 everywhere
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { runKernel, workgroupSum } from './program.js';
import { onWebGpu } from './switch.js';

const THREADS = 256;
/** Rows each thread of the dw kernel sums before the chunks are summed. */
const CHUNK = 64;

/** y = x / √(mean(x²) + ε) · w over the last axis, differentiable in x and w. */
export function fusedRmsNorm(x: tf.Tensor3D, w: tf.Tensor1D, eps: number): tf.Tensor3D {
  const op = tf.customGrad(((input: tf.Tensor, weight: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    const width = input.shape[input.rank - 1] as number;
    const x2 = tf.reshape(input, [-1, width]) as tf.Tensor2D;
    save([x2, weight]);
    return {
      value: tf.reshape(normed(x2, weight as tf.Tensor1D, eps), input.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor1D];
        const dy2 = tf.reshape(dy, xs.shape) as tf.Tensor2D;
        const rs = rowRstd(xs, eps);
        return [tf.reshape(inputGradient(xs, ws, rs, dy2), input.shape), weightGradient(xs, rs, dy2)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, w) as tf.Tensor3D;
}

function dims(x: tf.Tensor2D): KernelDims {
  return { rows: x.shape[0], width: x.shape[1] };
}

interface KernelDims {
  rows: number;
  width: number;
}

const sizeUniforms = ({ rows, width }: KernelDims) => [{ name: 'rows', type: 'i32' as const, value: rows }, { name: 'width', type: 'i32' as const, value: width }];

/** r per row, [N]. */
function rowRstd(x: tf.Tensor2D, eps: number): tf.Tensor1D {
  if (!onWebGpu()) return tf.rsqrt(tf.add(tf.mean(tf.square(x), -1), eps)) as tf.Tensor1D;
  const d = dims(x);
  return runKernel({
    key: 'rms_rstd', inputs: { X: x }, outputShape: [d.rows], threads: d.rows * THREADS, workgroupSize: THREADS,
    uniforms: [...sizeUniforms(d), { name: 'eps', type: 'f32', value: eps }],
    code: `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let row = workgroupIndex();
        let live = row < uniforms.rows;
        var s = 0.0;
        if (live) {
          let base = row * uniforms.width;
          for (var j = i32(localIndex); j < uniforms.width; j = j + ${THREADS}) { let v = X[base + j]; s = s + v * v; }
        }
        ${workgroupSum('s', THREADS)}
        if (live && localIndex == 0u) { result[row] = inverseSqrt(partial[0] / f32(uniforms.width) + uniforms.eps); }
      }`,
  }) as tf.Tensor1D;
}

/** y = x · r · w, one workgroup per row: the row's r, then its outputs. */
function normed(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  if (!onWebGpu()) return tf.mul(tf.mul(x, tf.expandDims(rowRstd(x, eps), 1)), w);
  const d = dims(x);
  return runKernel({
    key: 'rms_norm', inputs: { X: x, W: w }, outputShape: x.shape, threads: d.rows * THREADS, workgroupSize: THREADS,
    uniforms: [...sizeUniforms(d), { name: 'eps', type: 'f32', value: eps }],
    code: `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let row = workgroupIndex();
        let live = row < uniforms.rows;
        let base = row * uniforms.width;
        var s = 0.0;
        if (live) {
          for (var j = i32(localIndex); j < uniforms.width; j = j + ${THREADS}) { let v = X[base + j]; s = s + v * v; }
        }
        ${workgroupSum('s', THREADS)}
        if (live) {
          let r = inverseSqrt(partial[0] / f32(uniforms.width) + uniforms.eps);
          for (var j = i32(localIndex); j < uniforms.width; j = j + ${THREADS}) { result[base + j] = X[base + j] * r * W[j]; }
        }
      }`,
  }) as tf.Tensor2D;
}

/** dx = r · dy ⊙ w − x · r³ · Σ(dy ⊙ w ⊙ x) / H, per row. */
function inputGradient(x: tf.Tensor2D, w: tf.Tensor1D, r: tf.Tensor1D, dy: tf.Tensor2D): tf.Tensor2D {
  if (!onWebGpu()) {
    return tf.tidy(() => {
      const g = tf.mul(dy, w);
      const rc = tf.expandDims(r, 1);
      const c = tf.div(tf.mul(tf.sum(tf.mul(g, x), -1, true), tf.pow(rc, 3)), x.shape[1]);
      return tf.sub(tf.mul(g, rc), tf.mul(x, c));
    });
  }
  const d = dims(x);
  return runKernel({
    key: 'rms_dx', inputs: { X: x, W: w, R: r, Dy: dy }, outputShape: x.shape, threads: d.rows * THREADS, workgroupSize: THREADS, uniforms: sizeUniforms(d),
    code: `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let row = workgroupIndex();
        let live = row < uniforms.rows;
        let base = row * uniforms.width;
        var s = 0.0;
        if (live) {
          for (var j = i32(localIndex); j < uniforms.width; j = j + ${THREADS}) { s = s + Dy[base + j] * W[j] * X[base + j]; }
        }
        ${workgroupSum('s', THREADS)}
        if (live) {
          let r = R[row];
          let c = partial[0] * r * r * r / f32(uniforms.width);
          for (var j = i32(localIndex); j < uniforms.width; j = j + ${THREADS}) {
            result[base + j] = r * Dy[base + j] * W[j] - X[base + j] * c;
          }
        }
      }`,
  }) as tf.Tensor2D;
}

/** dw = Σ over rows of dy ⊙ x · r: partial sums over chunks of rows, then their sum. */
function weightGradient(x: tf.Tensor2D, r: tf.Tensor1D, dy: tf.Tensor2D): tf.Tensor1D {
  if (!onWebGpu()) return tf.sum(tf.mul(tf.mul(dy, x), tf.expandDims(r, 1)), 0);
  const d = dims(x);
  const chunks = Math.ceil(d.rows / CHUNK);
  return tf.tidy(() => {
    const partial = runKernel({
      key: `rms_dw_${CHUNK}`, inputs: { X: x, R: r, Dy: dy }, outputShape: [chunks, d.width], threads: chunks * d.width, uniforms: sizeUniforms(d),
      code: `
        fn main(index : i32) {
          if (index < uniforms.size) {
            let chunk = index / uniforms.width;
            let j = index % uniforms.width;
            let end = min(uniforms.rows, (chunk + 1) * ${CHUNK});
            var s = 0.0;
            for (var row = chunk * ${CHUNK}; row < end; row = row + 1) { s = s + Dy[row * uniforms.width + j] * X[row * uniforms.width + j] * R[row]; }
            result[index] = s;
          }
        }`,
    });
    return chunks === 1 ? tf.reshape(partial, [d.width]) : tf.sum(partial, 0);
  }) as tf.Tensor1D;
}
