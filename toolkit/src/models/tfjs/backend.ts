/**
 * The one place that picks where tfjs runs. On a CPU the WebAssembly backend (XNNPACK, SIMD)
 * runs a matrix product ~25x faster than tfjs's pure-JavaScript `cpu` backend on this
 * project's machines (bench/lm.bench.ts measures both), so it is the default; `cpu` stays
 * available because it has every kernel (WASM lacks a few, none of which s3lab's models use).
 *
 * @example
 * ```ts
 * import { useTfjsBackend } from '@s3lab/toolkit';
 * const tf = await useTfjsBackend(); // 'wasm' unless S3LAB_TFJS_BACKEND says otherwise
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
import { registerMatMulGradient } from './matmul.js';

export type TfjsBackendName = 'wasm' | 'cpu';
export const TFJS_BACKENDS: readonly TfjsBackendName[] = ['wasm', 'cpu'];

let wasmPathsSet = false;

/**
 * Activates a tfjs backend (default: `S3LAB_TFJS_BACKEND`, else `wasm`) and returns tfjs.
 * Calling it again with the same name is free; with another name it switches backends.
 */
export async function useTfjsBackend(name: TfjsBackendName = defaultBackend()): Promise<typeof tf> {
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
  if (tf.getBackend() !== name) {
    const before = processListeners();
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
    // Emscripten's runtime installs process-wide handlers that rethrow every uncaught error
    // after printing the whole WASM glue source; errors should reach the program's own handlers.
    for (const listener of process.listeners('uncaughtException')) if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection')) if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
  }
  await tf.ready();
  registerMatMulGradient();
  return tf;
}

function processListeners(): Record<'uncaughtException' | 'unhandledRejection', unknown[]> {
  return { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
}

function defaultBackend(): TfjsBackendName {
  const wanted = process.env.S3LAB_TFJS_BACKEND;
  if (wanted === undefined || wanted === '') return 'wasm';
  if ((TFJS_BACKENDS as readonly string[]).includes(wanted)) return wanted as TfjsBackendName;
  throw new Error(`S3LAB_TFJS_BACKEND=${JSON.stringify(wanted)}: expected one of ${TFJS_BACKENDS.join(', ')}`);
}

export { tf };
