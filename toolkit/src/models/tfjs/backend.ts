/**
 * The one place that picks where tfjs runs: `wasm` or `cpu` on a CPU, `webgpu` on a GPU.
 * On a CPU the WebAssembly backend (XNNPACK, SIMD)
 * runs a matrix product ~25x faster than tfjs's pure-JavaScript `cpu` backend on this
 * project's machines (bench/lm.bench.ts measures both), so it is the default; `cpu` stays
 * available because it has every kernel (WASM lacks a few, none of which s3lab's models use).
 *
 * @example
 * ```ts
 * import { useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend(); // 'wasm' unless S3LAB_DEVICE asks for the GPU
 * console.log(tf.getBackend());
 * ```
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; the union package's bundle registers them
// all (into core's global registry). Only its CommonJS build loads in Node, hence the import.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './wasm-kernels.js';
import { registerMatMulGradient } from './matmul.js';
import { findGpuAdapter, resolveDevice } from './device.js';
import { registerTiledMatMul } from './webgpu-matmul.js';

export type TfjsBackendName = 'wasm' | 'cpu' | 'webgpu';
export const TFJS_BACKENDS: readonly TfjsBackendName[] = ['wasm', 'cpu', 'webgpu'];

let wasmPathsSet = false;

/**
 * Activates a tfjs backend (default: the one `S3LAB_DEVICE` resolves to, see `device.ts`) and
 * returns tfjs. Calling it again with the same name is free; with another name it switches backends.
 */
export async function useTfjsBackend(requested?: TfjsBackendName): Promise<typeof tf> {
  const name = requested ?? (await defaultBackend());
  if (!TFJS_BACKENDS.includes(name)) {
    throw new Error(`unknown tfjs backend ${JSON.stringify(name)}: expected one of ${TFJS_BACKENDS.join(', ')}`);
  }
  if (name === 'wasm' && !wasmPathsSet) {
    // The .wasm binaries ship inside the npm package; point tfjs at them on disk (no network).
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(`${dir}/`);
    wasmPathsSet = true;
  }
  if (name === 'webgpu') await registerWebGpu();
  if (tf.getBackend() !== name) {
    const before = processListeners();
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
    // Emscripten's runtime installs process-wide handlers that rethrow every uncaught error
    // after printing the whole WASM glue source; errors should reach the program's own handlers.
    for (const listener of process.listeners('uncaughtException')) if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection')) if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
  }
  await tf.ready();
  if (name === 'wasm') registerWasmKernels();
  registerMatMulGradient();
  return tf;
}

let webGpuRegistered = false;

/**
 * WebGPU in Node is Dawn (the `webgpu` package, over Vulkan on Linux), installed as the browser's
 * `navigator.gpu` before tfjs's WebGPU backend loads, which looks for it. On NVIDIA servers Dawn
 * needs the Vulkan loader and `VK_DRIVER_FILES` pointing at the NVIDIA ICD (bench/gpu/run.sh).
 */
async function registerWebGpu(): Promise<void> {
  if (webGpuRegistered) return;
  const found = await findGpuAdapter();
  if (!found.adapter) throw new Error(`WebGPU was asked for, but ${found.why}. Use S3LAB_DEVICE=cpu (WebAssembly) on this machine.`);
  await import('@tensorflow/tfjs-backend-webgpu');
  registerTiledMatMul();
  webGpuRegistered = true;
}

function processListeners(): Record<'uncaughtException' | 'unhandledRejection', unknown[]> {
  return { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
}

/** A default resolved once: probing for a GPU loads Dawn, which need not happen per call. */
let resolvedDefault: Promise<TfjsBackendName> | undefined;

function defaultBackend(): Promise<TfjsBackendName> {
  resolvedDefault ??= resolveDevice().then((device) => device.backend);
  return resolvedDefault;
}

export { tf };
