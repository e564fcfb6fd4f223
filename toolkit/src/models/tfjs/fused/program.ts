/**
 * The one seam through which s3lab's own WGSL kernels run on tfjs's WebGPU backend (the fused
 * transformer kernels and the fused Adam). tfjs generates the shader's header: the output buffer
 * `result`, one read-only buffer per input under its name, a `uniforms` struct with every input's
 * shape plus the fields declared here, and the built-ins (`localIndex`, `workgroupId`,
 * `numWorkgroups`). A kernel supplies `fn main(index : i32)`, where index is the flat thread index.
 *
 * tfjs caches a compiled pipeline by `key`, the inputs' ranks and dtypes: shapes travel as
 * uniforms, so a kernel that bakes a number into its code must put that number in its key.
 *
 * @example
 * ```ts
 * import { runKernel, useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend('webgpu');
 * // y = 2·x, one thread per element.
 * const x = tf.tensor1d([1, 2, 3]);
 * const y = runKernel({ key: 'double', inputs: { X: x }, outputShape: [3], threads: 3,
 *   code: 'fn main(index : i32) { if (index < uniforms.size) { result[index] = 2.0 * X[index]; } }' });
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';

/** A scalar uniform the kernel reads as `uniforms.<name>`. */
export interface KernelUniform {
  name: string;
  type: 'f32' | 'i32';
  value: number;
}

export interface KernelSpec {
  /** Names the pipeline (see the module's comment on caching). */
  key: string;
  /** Input buffers by their WGSL name, in binding order. */
  inputs: Record<string, tf.Tensor>;
  outputShape: number[];
  outputDtype?: 'float32' | 'int32';
  /** Threads launched in all: a multiple of `workgroupSize` is launched. */
  threads: number;
  /** Threads per workgroup (one dimension); 256 unless given. */
  workgroupSize?: number;
  uniforms?: KernelUniform[];
  /** WGSL: helper functions and constants, then `fn main(index : i32)`. */
  code: string;
}

/** The part of tfjs-backend-webgpu's program contract these kernels use. */
interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms: string;
  getUserCode(): string;
}

interface WebGpuBackendLike {
  runWebGPUProgram(program: WebGpuProgram, inputs: tf.TensorInfo[], outputDtype: 'float32' | 'int32', uniforms: Array<{ type: 'float32' | 'int32'; data: number[] }>): tf.TensorInfo;
}

/**
 * WGSL every kernel may call. `workgroupIndex()` is the workgroup's flat index: tfjs reshapes a
 * dispatch wider than 65,535 workgroups into two or three dimensions, so a kernel that gives each
 * row a workgroup reads its row from here, not from `workgroupId.x`.
 */
const PRELUDE = `
  fn workgroupIndex() -> i32 {
    return i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x);
  }
`;

/** Runs one WGSL kernel on the webgpu backend and returns its output as a tensor. */
export function runKernel(spec: KernelSpec): tf.Tensor {
  if (tf.getBackend() !== 'webgpu') throw new Error(`runKernel(${spec.key}): the ${tf.getBackend()} backend is active; WGSL kernels run on webgpu only`);
  const names = Object.keys(spec.inputs);
  const workgroupSize = spec.workgroupSize ?? 256;
  const uniforms = spec.uniforms ?? [];
  const program: WebGpuProgram = {
    variableNames: names,
    outputShape: spec.outputShape,
    shaderKey: `s3lab_${spec.key}`,
    // A flat layout: tfjs calls main with the flat thread index (getGlobalIndex).
    dispatchLayout: { x: spec.outputShape.map((_, axis) => axis) },
    dispatch: [Math.max(1, Math.ceil(spec.threads / workgroupSize)), 1, 1],
    workgroupSize: [workgroupSize, 1, 1],
    size: true,
    uniforms: uniforms.map((u) => `${u.name} : ${u.type},`).join(' '),
    getUserCode: () => `${PRELUDE}\n${spec.code}`,
  };
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const info = backend.runWebGPUProgram(program, names.map((name) => spec.inputs[name] as tf.Tensor), spec.outputDtype ?? 'float32',
    uniforms.map((u) => ({ type: u.type === 'f32' ? 'float32' : 'int32', data: [u.value] })));
  return tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * WGSL that sums `value` over a workgroup of `size` threads (a power of two) into `partial[0]`,
 * for every thread to read after it. `partial` must be declared `var<workgroup> partial : array<f32, size>`.
 * The leading barrier lets a kernel reduce twice: every thread has read the last result (into a
 * local) before any thread overwrites `partial`.
 */
export function workgroupSum(value: string, size: number): string {
  return workgroupReduce(value, size, (a, b) => `${a} + ${b}`);
}

/** The same, taking the maximum. */
export function workgroupMax(value: string, size: number): string {
  return workgroupReduce(value, size, (a, b) => `max(${a}, ${b})`);
}

function workgroupReduce(value: string, size: number, combine: (a: string, b: string) => string): string {
  const mine = 'partial[i32(localIndex)]';
  return `
    workgroupBarrier();
    ${mine} = ${value};
    workgroupBarrier();
    for (var stride = ${size / 2}; stride > 0; stride = stride / 2) {
      if (i32(localIndex) < stride) { ${mine} = ${combine(mine, 'partial[i32(localIndex) + stride]')}; }
      workgroupBarrier();
    }`;
}

/**
 * The compute dispatches the webgpu backend records while `run` runs (tfjs's kernels, s3lab's
 * WGSL kernels and the fused Adam alike; reshapes and uploads dispatch nothing). tf.profile counts
 * tfjs's kernel calls instead, which misses kernels run through {@link runKernel} and counts
 * reshapes that cost nothing on the GPU.
 */
export async function countDispatches<T>(run: () => Promise<T>): Promise<{ result: T; dispatches: number }> {
  if (tf.getBackend() !== 'webgpu') throw new Error(`countDispatches: the ${tf.getBackend()} backend is active; dispatches are counted on webgpu`);
  const backend = tf.backend() as unknown as { recordAndSubmit(...args: unknown[]): unknown };
  const original = backend.recordAndSubmit;
  let dispatches = 0;
  backend.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
    dispatches++;
    return original.apply(this, args);
  };
  try {
    const result = await run();
    return { result, dispatches };
  } finally {
    backend.recordAndSubmit = original;
  }
}
