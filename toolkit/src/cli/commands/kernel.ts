import { readFile } from 'node:fs/promises';
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

const port = z.number().int().min(0).max(65_535);
/** The fields of a Jupyter connection file the kernel binds with (Jupyter's messaging spec, "Connection files"). */
const ConnectionFile = z.looseObject({
  transport: z.string().min(1), ip: z.string().min(1), key: z.string(), signature_scheme: z.string().optional(),
  shell_port: port, iopub_port: port, stdin_port: port, control_port: port, hb_port: port,
});

/** Checks a connection file before the kernel starts on it, so a bad one is one line naming the file and the field. */
async function checkConnectionFile(path: string): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`connection file ${path} is not JSON (${error.message}); expected the file Jupyter writes for a kernel`);
    throw error;
  }
  const result = ConnectionFile.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(`connection file ${path}: ${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'invalid'} (expected Jupyter's fields: transport, ip, key and the five *_port numbers)`);
  }
}

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
      await checkConnectionFile(connectionFile);
      await (await loadNotebookPackage()).startKernel(connectionFile);
      // The kernel runs until Jupyter shuts it down; commander must not return meanwhile.
      await new Promise(() => {});
    });
}
