/**
 * The `s3lab` command. Each subcommand lives in its own module under `cli/commands/` and
 * registers itself on the program; every one gets `--help` from commander.
 *
 * @example
 * ```sh
 * npx s3lab --help
 * npx s3lab lab-world --seed 1 --out /tmp/world
 * ```
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerLabWorld } from './commands/lab-world.js';
import { registerLabStats } from './commands/lab-stats.js';
import { registerIndexCommands } from './commands/index-commands.js';
import { registerServe } from './commands/serve.js';
import { registerServeReward } from './commands/serve-reward.js';
import { registerRun } from './commands/run.js';
import { registerKernel } from './commands/kernel.js';
import { registerTokenizer } from './commands/tokenizer.js';
import { registerEval } from './commands/eval.js';
import { registerTrainingData } from './commands/training-data.js';
import { registerTrain } from './commands/train.js';
import { registerSweep } from './commands/sweep.js';
import { registerDownload } from './commands/download.js';
import { registerDevice } from './commands/device.js';
import { checkOutputsBeforeActions, type CheckedOutput } from './output-options.js';
import { reportError } from './report-error.js';

export function buildProgram(): Command {
  const program = new Command('s3lab')
    .description('s3lab: study, reproduce and extend s3 (a search agent trained with RL, generator frozen)')
    .version(toolkitVersion(), '-V, --version')
    .option('--verbose', 'print the stack trace of an unexpected error (as S3LAB_DEBUG=1 does)')
    // Every command's --help then lists --verbose too (commander copies this to subcommands).
    .configureHelp({ showGlobalOptions: true })
    // A usage error is one line, like every other bad input; the hint says where the usage is.
    .configureOutput({ outputError: (message, write) => write(`s3lab: ${message.replace(/\s*\n\s*/gu, ' ').trim()} (add --help for usage)\n`) })
    .addHelpText('after', [
      '',
      'Exit codes: 0 done; 2 bad input (an option, a file, a directory, a URL, or an output place that cannot be written),',
      'reported as one line naming it; 1 the work failed, or an unexpected error, reported as one line too:',
      'add --verbose (or set S3LAB_DEBUG=1) to print its stack trace.',
    ].join('\n'))
    .exitOverride();
  registerLabWorld(program);
  registerLabStats(program);
  registerIndexCommands(program);
  registerServeReward(registerServe(program));
  registerRun(program);
  registerKernel(program);
  registerTokenizer(program);
  registerEval(program);
  registerTrainingData(program);
  registerTrain(program);
  registerSweep(program);
  registerDownload(program);
  registerDevice(program);
  return program;
}

function toolkitVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Runs the CLI on `argv` (without node and script) and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const outputs: CheckedOutput[] = checkOutputsBeforeActions(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has printed its message (see configureOutput); --help and --version exit 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const report = reportError(error, outputs);
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true || process.env.S3LAB_DEBUG === '1';
    process.stderr.write(`${report.line}\n${verbose && report.stack ? `${report.stack}\n` : ''}`);
    return report.exitCode;
  }
}
