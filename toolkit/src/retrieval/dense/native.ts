/**
 * Loads the Node-API binding over libfaiss (toolkit/native/faiss/), building it first when the
 * binary is missing, e.g. after a plain `npm install` that skipped scripts/bootstrap.mjs.
 * The types below describe the C++ side (toolkit/native/faiss/faiss_binding.cc) exactly; callers
 * use the checked wrapper in `faiss.ts`, never this module.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A FAISS index held by C++; every method that works on vectors returns a Promise and runs off the main thread. */
export interface NativeFaissIndex {
  readonly dimension: number;
  readonly ntotal: number;
  /** faiss::MetricType: 0 inner product, 1 L2. */
  readonly metric: number;
  readonly isTrained: boolean;
  add(vectors: Float32Array, n: number): Promise<void>;
  train(vectors: Float32Array, n: number): Promise<void>;
  search(queries: Float32Array, nq: number, k: number): Promise<{ distances: Float32Array; labels: BigInt64Array }>;
  write(path: string): Promise<void>;
  setParameter(name: string, value: number): void;
}

export interface NativeFaiss {
  createIndex(dimension: number, factory: string, metric: number): NativeFaissIndex;
  readIndex(path: string): Promise<NativeFaissIndex>;
  setThreads(threads: number): void;
  getThreads(): number;
}

// Same depth from src/ and dist/: toolkit/{src,dist}/retrieval/dense/ → repository root.
const NATIVE_DIR = new URL('../../../native/faiss/', import.meta.url);
const BINARY = fileURLToPath(new URL('build/faiss.node', NATIVE_DIR));
const BUILD_SCRIPT = fileURLToPath(new URL('build.mjs', NATIVE_DIR));

let loaded: NativeFaiss | undefined;

/**
 * The binding, loaded once per process (and built once if its binary is missing).
 * Throws with the Debian package names when libfaiss or a compiler is missing.
 *
 * @example
 * ```ts
 * const faiss = loadNativeFaiss();
 * console.log(faiss.getThreads()); // e.g. 2
 * ```
 */
export function loadNativeFaiss(): NativeFaiss {
  if (loaded) return loaded;
  if (!existsSync(BINARY)) {
    const build = spawnSync(process.execPath, [BUILD_SCRIPT, '--quiet'], { encoding: 'utf8' });
    if (build.status !== 0) {
      throw new Error(`the native FAISS binding is not built and building it failed: ${(build.stderr || build.error?.message || '').trim()}`);
    }
  }
  loaded = createRequire(import.meta.url)(BINARY) as NativeFaiss;
  return loaded;
}
