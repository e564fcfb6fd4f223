/**
 * Σ x² over many tensors at once, the global norm that gradient clipping needs. tfjs's ops take a square
 * and two sums per tensor plus an add to the total, four dispatches for each of a model's ~290
 * gradient tensors (1,160 per step for Qwen2.5-0.5B). Here one kernel takes up to seven tensors
 * (WebGPU binds eight storage buffers per stage by default, one of them the output) and writes
 * partial sums by slices of each, so large tensors are read by many workgroups at once (a single
 * workgroup over the embedding took 160 ms); a sum and an add fold each group into the total.
 *
 * @example
 * ```ts
 * import { sumOfSquares, useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend();
 * sumOfSquares([tf.tensor1d([1, 2]), tf.tensor2d([[3]])]).print(); // 14
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { runKernel, workgroupSum } from './program.js';
import { fusedKernelsActive } from './switch.js';

const THREADS = 256;
/** Tensors per kernel: eight storage buffers less the output. */
const GROUP = 7;
/** Workgroups per tensor; each sums a strided slice of it. */
const SLICES = 64;

/** Σ over every tensor of Σ x², as a scalar tensor: grouped kernels on WebGPU, tfjs's ops tensor by tensor elsewhere. */
export function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  return tf.tidy(() => {
    // Summed pairwise, not with addN: WebGPU binds every addN input at once, more than a stage may bind.
    if (!fusedKernelsActive()) return tensors.map(tensorSumOfSquares).reduce((a, b) => tf.add(a, b)) as tf.Scalar;
    let total: tf.Scalar | undefined;
    for (let first = 0; first < tensors.length; first += GROUP) {
      const group = tensors.slice(first, first + GROUP);
      const partial = tf.sum(groupPartialSums(group)) as tf.Scalar;
      total = total === undefined ? partial : (tf.add(total, partial) as tf.Scalar);
    }
    return total as tf.Scalar;
  });
}

/**
 * Σx² of one tensor, reduced along the last axis first: tfjs's WebGPU reduction gives each output
 * one workgroup, so summing a whole [151936, 896] embedding gradient into one number ran on one
 * workgroup (160 ms of a 0.5B model's SFT step); by rows it is spread over the GPU.
 */
function tensorSumOfSquares(x: tf.Tensor): tf.Scalar {
  const squares = tf.square(x);
  return (x.rank >= 2 ? tf.sum(tf.sum(squares, -1)) : tf.sum(squares)) as tf.Scalar;
}

/** [tensors × SLICES] partial sums of squares: workgroup w sums slice w % SLICES of tensor ⌊w / SLICES⌋. */
function groupPartialSums(group: readonly tf.Tensor[]): tf.Tensor1D {
  const names = group.map((_, i) => `A${i}`);
  const inputs = Object.fromEntries(group.map((x, i) => [names[i] as string, tf.reshape(x, [-1])]));
  const sizeOf = names.map((_, i) => `if (which == ${i}) { n = uniforms.n${i}; }`).join(' else ');
  const readOf = names.map((name, i) => `if (which == ${i}) { v = ${name}[j]; }`).join(' else ');
  return runKernel({
    key: `sum_of_squares_${group.length}`, inputs, outputShape: [group.length * SLICES], threads: group.length * SLICES * THREADS, workgroupSize: THREADS,
    uniforms: group.map((x, i) => ({ name: `n${i}`, type: 'i32' as const, value: x.size })),
    code: `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let w = workgroupIndex();
        let which = w / ${SLICES};
        let slice = w % ${SLICES};
        var n = 0;
        ${sizeOf}
        var s = 0.0;
        for (var j = slice * ${THREADS} + i32(localIndex); j < n; j = j + ${SLICES * THREADS}) {
          var v = 0.0;
          ${readOf}
          s = s + v * v;
        }
        ${workgroupSum('s', THREADS)}
        if (w < ${group.length * SLICES} && localIndex == 0u) { result[w] = partial[0]; }
      }`,
  }) as tf.Tensor1D;
}
