import type { Command } from 'commander';
import { z } from 'zod';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';
import { loadNotebookPackage } from '../notebook-package.js';

const InstallOptions = z.object({
  user: z.boolean().default(false),
  sysPrefix: z.boolean().default(false),
  prefix: z.string().min(1).optional(),
  python: z.string().min(1),
  name: z.string().regex(/^[a-z0-9._-]+$/u, 'lower-case letters, digits, ".", "_" and "-" only'),
});

/** `s3lab kernel install|start`: the Jupyter kernel (implemented by @s3lab/kernel). */
export function registerKernel(program: Command): void {
  const kernel = program.command('kernel').description('the s3lab Jupyter kernel (TypeScript, tslab-based, @s3lab/toolkit preloaded)')
    .addHelpText('after', '\nExample:\n  s3lab kernel install --user && jupyter lab');

  kernel
    .command('install')
    .description('register the kernel with Jupyter (writes kernels/s3lab/kernel.json; no IPython needed)')
    .option('--user', 'in the user\'s Jupyter data directory (the default)')
    .option('--sys-prefix', 'in {sys.prefix}/share/jupyter of --python (a venv or conda env)')
    .option('--prefix <dir>', 'in DIR/share/jupyter (then set JUPYTER_PATH=DIR/share/jupyter)')
    .option('--python <path>', 'the Python whose sys.prefix --sys-prefix uses', '/usr/bin/python3')
    .option('--name <name>', 'kernel name', 's3lab')
    .addHelpText('after', '\nExample:\n  s3lab kernel install --user\n  s3lab kernel install --prefix /tmp/jupyter && JUPYTER_PATH=/tmp/jupyter/share/jupyter jupyter kernelspec list')
    .action(async (raw: unknown) => {
      const options = parseOptions(InstallOptions, raw);
      const scopes = [options.user, options.sysPrefix, options.prefix !== undefined].filter(Boolean).length;
      if (scopes > 1) throw new UsageError('choose one of --user, --sys-prefix and --prefix');
      const scope = options.sysPrefix ? 'sys-prefix' : options.prefix !== undefined ? 'prefix' : 'user';
      const dir = await (await loadNotebookPackage()).installKernelSpec({ scope, prefix: options.prefix, python: options.python, name: options.name });
      process.stdout.write(`installed the s3lab kernel in ${dir}\n`);
    });

  kernel
    .command('start')
    .description('start the kernel on a Jupyter connection file (what Jupyter runs; kernel.json uses the kernel package\'s entry directly)')
    .argument('<connection-file>', 'the connection file Jupyter writes')
    .action(async (connectionFile: string) => {
      await (await loadNotebookPackage()).startKernel(connectionFile);
      // The kernel runs until Jupyter shuts it down; commander must not return meanwhile.
      await new Promise(() => {});
    });
}
