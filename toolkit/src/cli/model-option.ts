/**
 * Loading a model directory the user named with a flag (`--model`, `--encoder`, `--generator`):
 * every way it fails to load (not a directory, a missing or damaged file) is one line that names
 * the flag and the directory, then what the loader found wrong (a `ModelFileError` names the file
 * and what was expected).
 */
import { ModelFileError } from '../models/model-files.js';
import { UsageError } from './usage-error.js';

/**
 * `load(dir)`, with a model file's error reported as `cannot load FLAG DIR: …`.
 *
 * @example
 * ```ts
 * const encoder = await loadModelOption('--encoder', options.encoder, (dir) => loadEncoder(dir, { maxLength: 256 }));
 * ```
 */
export async function loadModelOption<T>(flag: string, dir: string, load: (dir: string) => Promise<T>): Promise<T> {
  try {
    return await load(dir);
  } catch (error) {
    if (error instanceof ModelFileError) throw new UsageError(`cannot load ${flag} ${dir}: ${error.message}`, { cause: error });
    throw error;
  }
}
