import type { Command } from 'commander';
import { z } from 'zod';
import { parseOptions } from '../options.js';
import { CommandFailure } from '../usage-error.js';
import { asUsageErrors, loadNotebookPackage } from '../notebook-package.js';

const Options = z.object({
  param: z.array(z.string()).default([]),
  out: z.string().min(1),
});

/**
 * A cell failed: exit 1 with one line naming the cell and the error (the notebook's error, already
 * in the executed notebook and the report; the command's own stack would say nothing).
 */
class NotebookFailed extends CommandFailure {
  override name = 'NotebookFailed';
}

/** `s3lab run NOTEBOOK [-p key=value …] [--out DIR]`: the headless runner (see @s3lab/kernel's runner). */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('execute a notebook headless (no Jupyter), write the executed .ipynb and a self-contained HTML report')
    .argument('<notebook>', 'the .ipynb to run')
    .option('-p, --param <key=value>', 'override a parameter of the cell tagged "parameters" (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--out <dir>', 'where the executed notebook and the report go', 'out')
    .addHelpText('after', '\nExample:\n  s3lab run notebooks/00-quickstart.ipynb -p smoke=true -p seed=2 --out out\n\nExit codes: 0 every cell ran; 1 a cell failed (named on stderr; outputs so far are written); 2 bad input.')
    .action(async (notebook: string, raw: unknown) => {
      const options = parseOptions(Options, raw);
      const kernel = await loadNotebookPackage();
      const result = await asUsageErrors(async () => kernel.runNotebook({ notebook, parameters: kernel.parseParameterArgs(options.param), outDir: options.out }));
      process.stdout.write(`executed notebook: ${result.notebookPath}\nHTML report: ${result.reportPath}\n(${result.seconds.toFixed(1)} s)\n`);
      if (!result.ok) throw new NotebookFailed(result.failure?.message ?? 'a cell failed');
    });
}
