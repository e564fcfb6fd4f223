/**
 * Reading the files of a model directory (the Hugging Face layout: `config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `model.onnx`) with errors that name the file:
 * a missing or malformed file is the most common way a model fails to load, and the message
 * is all a user sees.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { InputError } from '../core/input-error.js';
import { describeZodIssues } from '../core/problems.js';

/**
 * A model file that is missing, unreadable, not JSON, or not the shape expected. An input error:
 * the directory was named by the user, so the CLI reports it as one line (exit 2).
 */
export class ModelFileError extends InputError {
  constructor(
    /** The file's path. */
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ModelFileError';
  }
}

/**
 * Checks that `dir` is a directory before its files are read, so a missing directory or a file
 * named instead is reported as such, with what the directory should hold (`expected`).
 *
 * @example
 * ```ts
 * await requireModelDirectory('datasets/models/lab-e5-small', 'config.json, tokenizer.json and model.onnx');
 * ```
 */
export async function requireModelDirectory(dir: string, expected: string): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (found?.isDirectory()) return;
  const what = found ? 'is a file, not a directory' : 'does not exist';
  throw new ModelFileError(dir, `${dir} ${what}; expected a model directory with ${expected}`);
}

/**
 * The path of `name` inside the model directory `dir`, after checking that it exists.
 *
 * @example
 * ```ts
 * import { requireModelFile } from './model-files.js';
 * const onnx = await requireModelFile('datasets/fixtures/tiny-bert', 'model.onnx', 'the network weights');
 * ```
 */
export async function requireModelFile(dir: string, name: string, purpose: string): Promise<string> {
  const path = join(dir, name);
  try {
    await access(path);
  } catch (cause) {
    await requireModelDirectory(dir, `${name} (${purpose})`);
    throw new ModelFileError(path, `the model directory ${dir} has no ${name} (${purpose})`, { cause });
  }
  return path;
}

/**
 * Parses a JSON file and validates it with `schema`; `undefined` when `optional` and absent.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { readModelJson } from './model-files.js';
 * const config = await readModelJson('datasets/fixtures/tiny-bert/config.json', z.looseObject({ hidden_size: z.number() }));
 * ```
 */
export async function readModelJson<T>(path: string, schema: z.ZodType<T>): Promise<T>;
export async function readModelJson<T>(path: string, schema: z.ZodType<T>, optional: true): Promise<T | undefined>;
export async function readModelJson<T>(path: string, schema: z.ZodType<T>, optional = false): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (optional && (cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelFileError(path, `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ModelFileError(path, `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ModelFileError(path, `${path} does not have the expected shape: ${describeZodIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}
