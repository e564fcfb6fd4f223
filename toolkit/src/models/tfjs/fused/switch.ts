/**
 * Whether the transformer runs s3lab's fused WGSL kernels (RMSNorm, SwiGLU, rotary embedding,
 * masked softmax, token log-probabilities, the embedding's gradient) or tfjs's unfused ops. They
 * run on WebGPU only, where dispatching a kernel costs more than most of them compute; on the
 * CPU the WASM paths in layers.ts stay. On by default; the GPU benchmark measures both in one run.
 *
 * @example
 * ```ts
 * import { setFusedKernels } from '@s3lab/toolkit';
 * setFusedKernels(false); // tfjs's own ops everywhere, for comparison
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';

let enabled = true;

/** Turns the fused kernels on or off for this process. */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** True where the forward pass should take the fused kernels: on, and the webgpu backend active. */
export function fusedKernelsActive(): boolean {
  return enabled && tf.getBackend() === 'webgpu';
}

/** True on the webgpu backend: a fused op runs its WGSL kernels there and its tfjs twin elsewhere. */
export function onWebGpu(): boolean {
  return tf.getBackend() === 'webgpu';
}
