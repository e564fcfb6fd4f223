/**
 * Running a module of this package elsewhere: in a child process (`moduleProcessArgs`) or a worker
 * thread (`startModuleWorker` in worker-thread.ts). Built, the module is its `.js` file; in the
 * source tree it is the `.ts` file, loaded through tsx's hooks, which neither a child process nor
 * a worker thread inherits.
 *
 * @example
 * ```ts
 * spawn(process.execPath, [...moduleProcessArgs(new URL('./child.js', import.meta.url)), 'arg']);
 * ```
 */
import { fileURLToPath } from 'node:url';

/** The `.ts` module to load through tsx when this package runs from its source tree, else undefined (load the built module). */
export function sourceEntry(builtModule: URL): URL | undefined {
  return fileURLToPath(import.meta.url).endsWith('.ts') ? new URL(builtModule.href.replace(/\.js$/u, '.ts')) : undefined;
}

/** Node's arguments that run the module in a child process. */
export function moduleProcessArgs(builtModule: URL): string[] {
  const entry = sourceEntry(builtModule);
  return entry ? ['--conditions=s3lab-source', '--import', import.meta.resolve('tsx'), fileURLToPath(entry)] : [fileURLToPath(builtModule)];
}
