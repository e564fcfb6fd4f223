/**
 * Starts a worker thread on a module of this package. Built, the module is its `.js` file; in the
 * source tree it is the `.ts` file, and a worker thread does not inherit tsx's loader hooks, so a
 * two-line bootstrap registers them before importing it.
 *
 * @example
 * ```ts
 * const worker = startModuleWorker(new URL('./worker.js', import.meta.url), { role: 'bm25-scorer', index });
 * ```
 */
import { Worker } from 'node:worker_threads';
import { sourceEntry } from './module-process.js';

export function startModuleWorker(builtModule: URL, workerData: unknown): Worker {
  const entry = sourceEntry(builtModule);
  if (!entry) return new Worker(builtModule, { workerData });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
