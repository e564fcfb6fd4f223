/**
 * Append-only JSONL result files for long jobs that may be killed at any moment (the RAG cache,
 * evaluation records): one whole line per finished item, flushed to disk as it is written, so
 * `kill -9` loses at most the items in flight. On resume a torn last line (a write cut off) is
 * removed and reported; any other bad line is corruption and stops the job with the file and line.
 * Appends from concurrent workers of one process go through one queue, so lines never interleave.
 * One writer process per file: two processes appending to the same file would duplicate work.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { openResumableJsonl } from '@s3lab/toolkit';
 * const file = await openResumableJsonl('/tmp/results.jsonl', z.object({ id: z.string(), score: z.number() }));
 * const done = new Set(file.records.map((r) => r.id));
 * if (!done.has('q1')) await file.append([{ id: 'q1', score: 1 }]);
 * ```
 */
import { open, stat } from 'node:fs/promises';
import type { z } from 'zod';
import { appendJsonl, type AppendJsonlResult } from './jsonl-write.js';
import { readJsonl } from './jsonl.js';
import { readLines } from './lines.js';
import { DataFormatError, describeZodIssues } from './problems.js';

export interface ResumableJsonl<T> {
  readonly path: string;
  /** The records already in the file when it was opened, in file order. */
  readonly records: readonly T[];
  /** How the file's end was found: `torn-line-removed` when a killed run left half a line (now gone). */
  readonly tail: AppendJsonlResult['tail'];
  /** Appends whole lines and flushes them; calls are queued, so concurrent callers never interleave. */
  append(records: readonly T[]): Promise<void>;
}

/**
 * Opens (creating if missing) a result file: repairs a torn tail, reads and validates every line
 * (a bad one throws a `DataFormatError` naming file and line), and returns an appender.
 */
export async function openResumableJsonl<S extends z.ZodType>(path: string, schema: S): Promise<ResumableJsonl<z.output<S>>> {
  // An empty append repairs the tail: a torn last line is truncated, a whole one gets its newline.
  const { tail } = await appendJsonl(path, []);
  const records = (await stat(path)).size === 0 ? [] : await readJsonl(path, schema).toArray();
  let queue: Promise<unknown> = Promise.resolve();
  const append = (batch: readonly z.output<S>[]): Promise<void> => {
    const next = queue.then(async () => {
      if (batch.length > 0) await appendJsonl(path, batch);
    });
    // A failed append must not poison the ones queued after it; its caller gets the error.
    queue = next.catch(() => undefined);
    return next;
  };
  return { path, records, tail, append };
}

/**
 * The finished records of a result file, read-only: a last line without its newline that is not
 * valid JSON (a write in progress, or one a kill cut off) is skipped, not removed, so a reader
 * may run beside the job that appends. Any other bad line throws a `DataFormatError`; a missing
 * file throws ENOENT.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { readFinishedJsonl } from '@s3lab/toolkit';
 * const records = await readFinishedJsonl('/tmp/results.jsonl', z.object({ id: z.string() }));
 * ```
 */
export async function readFinishedJsonl<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>[]> {
  const { size } = await stat(path);
  if (size === 0) return [];
  const endsWithNewline = await lastByte(path, size) === 0x0a;
  const records: z.output<S>[] = [];
  const lines: { number: number; text: string }[] = [];
  for await (const line of readLines(path)) lines.push(line);
  lines.forEach((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      if (i === lines.length - 1 && !endsWithNewline) return;
      throw new DataFormatError({ file: path, line: line.number, reason: 'invalid JSON' });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new DataFormatError({ file: path, line: line.number, reason: describeZodIssues(parsed.error.issues) });
    records.push(parsed.data as z.output<S>);
  });
  return records;
}

async function lastByte(path: string, size: number): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0];
  } finally {
    await handle.close();
  }
}
