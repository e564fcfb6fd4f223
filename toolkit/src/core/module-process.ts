/**
 * Node's arguments to run a module of this package in a child process. Built, the module is its
 * `.js` file; in the source tree it is the `.ts` file, run through tsx's loader (a child process
 * does not inherit the parent's loader hooks).
 *
 * @example
 * ```ts
 * spawn(process.execPath, [...moduleProcessArgs(new URL('./child.js', import.meta.url)), 'arg']);
 * ```
 */
import { fileURLToPath } from 'node:url';

export function moduleProcessArgs(builtModule: URL): string[] {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  if (!fromSource) return [fileURLToPath(builtModule)];
  return ['--conditions=s3lab-source', '--import', import.meta.resolve('tsx'), fileURLToPath(builtModule.href.replace(/\.js$/u, '.ts'))];
}
