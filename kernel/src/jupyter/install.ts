/**
 * Registers the s3lab kernel with Jupyter by writing `kernels/s3lab/kernel.json` into a
 * Jupyter data directory. Not tslab's installer, which needs IPython: the directories are the
 * standard ones Jupyter (jupyter_core) searches.
 *
 * - `user` (the default): `$JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter` or `~/.local/share/jupyter`
 *   (`~/Library/Jupyter` on macOS) — what `jupyter --data-dir` prints.
 * - `sys-prefix`: `{sys.prefix}/share/jupyter` of a Python (default `/usr/bin/python3`), for a venv or conda env.
 * - `prefix`: `{prefix}/share/jupyter`, anywhere (Jupyter finds it through `JUPYTER_PATH`).
 *
 * @example
 * ```ts
 * const dir = await installKernelSpec({ scope: 'user' }); // ~/.local/share/jupyter/kernels/s3lab
 * ```
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KERNEL_NAME = 's3lab';

export interface InstallOptions {
  scope: 'user' | 'sys-prefix' | 'prefix';
  /** For `scope: 'prefix'`. */
  prefix?: string;
  /** For `scope: 'sys-prefix'`: the Python whose `sys.prefix` is used (default `/usr/bin/python3`). */
  python?: string;
  /** Kernel name (directory and `kernelspec.name` in notebooks); default `s3lab`. */
  name?: string;
}

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'signal';
  metadata: Record<string, unknown>;
}

/** The kernel.json content: this Node runs this package's built kernel entry. */
export function kernelSpec(): KernelSpec {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  return {
    argv: [process.execPath, main.replace(/[\\/]src[\\/]jupyter[\\/]main\.(?:ts|js)$/u, join('/dist', 'jupyter', 'main.js')), '{connection_file}'],
    display_name: 'TypeScript (s3lab)',
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { s3lab: { preloads: '@s3lab/toolkit' } },
  };
}

/** The Jupyter data directory of a scope (kernels go under `kernels/NAME` in it). */
export function jupyterDataDir(options: InstallOptions): string {
  if (options.scope === 'prefix') {
    if (!options.prefix) throw new Error('installing with scope "prefix" needs a prefix directory');
    return join(options.prefix, 'share', 'jupyter');
  }
  if (options.scope === 'sys-prefix') {
    const python = options.python ?? '/usr/bin/python3';
    let prefix: string;
    try {
      prefix = execFileSync(python, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (error) {
      throw new Error(`--sys-prefix asks Python for sys.prefix, but ${python} could not run: ${(error as Error).message.split('\n')[0]}`);
    }
    return join(prefix, 'share', 'jupyter');
  }
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Jupyter');
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'jupyter');
}

/** Writes kernel.json and returns the kernel's directory. */
export async function installKernelSpec(options: InstallOptions): Promise<string> {
  const dir = join(jupyterDataDir(options), 'kernels', options.name ?? KERNEL_NAME);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kernel.json'), `${JSON.stringify(kernelSpec(), null, 2)}\n`);
  return dir;
}
