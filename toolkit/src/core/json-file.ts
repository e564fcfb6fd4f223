/**
 * Small JSON files (manifests, checkpoint states, index descriptions), validated on read.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { DataFormatError, describeZodIssues } from './problems.js';

/**
 * The file's JSON, validated with `schema`; `undefined` when the file does not exist.
 * Invalid JSON or a schema mismatch throws a `DataFormatError` naming the file.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { readJsonFile } from '@s3lab/toolkit';
 * const manifest = await readJsonFile('datasets/lab/manifest.json', z.object({ seed: z.number() }));
 * ```
 */
export async function readJsonFile<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DataFormatError({ file, line: 1, reason: 'invalid JSON' });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new DataFormatError({ file, line: 1, reason: describeZodIssues(parsed.error.issues) });
  return parsed.data as z.output<S>;
}
