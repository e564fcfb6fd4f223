/**
 * The one place every command's output paths are checked before its action runs: a commander
 * `preAction` hook finds the options that name where a command writes and checks each with
 * {@link checkOutputPath}, so a command cannot forget it and a new command gets it by naming its
 * option as the others do. An option is an output when its long flag is one of
 * {@link OUTPUT_FLAGS}; its placeholder says the kind (`--out <file>` a file, else a directory).
 * A command run with `--check` or `--list` reads its `--out` (or writes nothing), so it is skipped.
 */
import type { Command } from 'commander';
import { checkOutputPath, type OutputKind } from '../core/output-path.js';

/** Long flags that name where a command writes. */
export const OUTPUT_FLAGS: ReadonlySet<string> = new Set(['--out', '--json', '--cache', '--to', '--prefix']);

/** Options that turn a command into one that writes nothing. */
const READ_ONLY_MODES = ['check', 'list'];

/** An output a command was given, after it passed the check. */
export interface CheckedOutput {
  flag: string;
  path: string;
  kind: OutputKind;
}

/**
 * Registers the check on `program` (it applies to every subcommand) and returns the list it fills
 * with the outputs of the command that runs, so an error later can name where it was writing.
 *
 * @example
 * ```ts
 * const program = buildProgram();
 * const outputs = checkOutputsBeforeActions(program);
 * await program.parseAsync(['index', 'bm25', '--corpus', 'c.jsonl', '--out', '/proc/x'], { from: 'user' }); // InputError
 * ```
 */
export function checkOutputsBeforeActions(program: Command): CheckedOutput[] {
  const checked: CheckedOutput[] = [];
  program.hook('preAction', async (_program, command) => {
    const values = command.opts<Record<string, unknown>>();
    if (READ_ONLY_MODES.some((mode) => values[mode] === true)) return;
    for (const option of command.options) {
      const flag = option.long;
      const path = values[option.attributeName()];
      if (flag === undefined || !OUTPUT_FLAGS.has(flag) || typeof path !== 'string' || path === '') continue;
      const kind: OutputKind = option.flags.includes('<file') ? 'file' : 'directory';
      await checkOutputPath(path, { label: flag, kind });
      checked.push({ flag, path, kind });
    }
  });
  return checked;
}
