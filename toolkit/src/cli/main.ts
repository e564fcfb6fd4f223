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
import { InputError } from '../core/input-error.js';
import { CommandFailure } from './usage-error.js';
import { DataFormatError } from '../core/problems.js';
import { ChatRequestError } from '../llm/index.js';

export function buildProgram(): Command {
  const program = new Command('s3lab')
    .description('s3lab: study, reproduce and extend s3 (a search agent trained with RL, generator frozen)')
    .version(toolkitVersion(), '-V, --version')
    .showHelpAfterError()
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

/** A file or directory named by the user that is missing or unreadable (every command reports it the same way). */
function isUnreadableInput(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof (error as NodeJS.ErrnoException | undefined)?.path === 'string' && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR');
}

/** Runs the CLI on `argv` (without node and script) and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    // Bad input (options, files) is one clear line, never a stack trace.
    if (error instanceof InputError || error instanceof DataFormatError || error instanceof ChatRequestError) {
      process.stderr.write(`s3lab: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CommandFailure) {
      process.stderr.write(`s3lab: ${error.message}\n`);
      return 1;
    }
    if (isUnreadableInput(error)) {
      process.stderr.write(`s3lab: cannot read ${error.path}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}\n`);
      return 2;
    }
    process.stderr.write(`s3lab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
