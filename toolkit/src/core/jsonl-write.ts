/**
 * Writing JSON Lines: `JSON.stringify` of each record and `\n` after every line
 * (no `\r`, UTF-8, no BOM), the shape Python's `json.dumps(r) + "\n"` loops read back.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { writeAll, writeFileAtomically } from './atomic-file.js';
import { DataFormatError, describeZodIssues } from './problems.js';

/** Options of {@link writeJsonl} and {@link appendJsonl}. */
export interface WriteJsonlOptions {
  /** Validate each record before it is written; a bad one throws a `DataFormatError` (row = 0-based index in `records`). */
  schema?: z.ZodType;
}

/** What {@link appendJsonl} did. */
export interface AppendJsonlResult {
  /** Lines appended by this call. */
  written: number;
  /**
   * How the end of the existing file was found: `'clean'` (empty, or ends with `\n`);
   * `'newline-added'` (its last line was a complete JSON value without `\n`);
   * `'torn-line-removed'` (its last line was cut off by an interrupted write and was removed).
   */
  tail: 'clean' | 'newline-added' | 'torn-line-removed';
  /** Bytes removed with a torn last line (0 unless `tail` is `'torn-line-removed'`). */
  removedBytes: number;
}

type Records<T> = AsyncIterable<T> | Iterable<T>;

const BATCH_CHARACTERS = 1 << 20;
const TAIL_SCAN_BYTES = 1 << 16;

/**
 * Writes `records` as a JSONL file, atomically: lines go to a temporary file that
 * replaces `path` only once every record is written and flushed to disk. If the source
 * throws (or a record fails `schema`), the previous file at `path` is untouched and the
 * temporary file removed. Returns the number of lines written.
 *
 * @example
 * ```ts
 * import { writeJsonl } from '@s3lab/toolkit';
 * const lines = await writeJsonl('/tmp/qa.jsonl', [{ id: 'q1', question: 'Who?', golden_answers: ['Ann'] }]);
 * console.log(lines); // 1
 * ```
 */
export async function writeJsonl<T>(path: string, records: Records<T>, options: WriteJsonlOptions = {}): Promise<number> {
  return writeFileAtomically(path, (handle) => writeLines(handle, path, records, options.schema, false));
}

/**
 * Appends `records` to a JSONL file (created if missing), for jobs that resume: only
 * whole lines are written, each batch in one write, and the file is flushed to disk at
 * the end. A torn last line left by an interrupted earlier append is removed first (and
 * reported in the result), so the file always holds whole lines. If the source throws
 * or a record fails `schema`, the records before it are appended and the error is rethrown.
 *
 * @example
 * ```ts
 * import { appendJsonl } from '@s3lab/toolkit';
 * const { written } = await appendJsonl('/tmp/cache.jsonl', [{ question: 'Who?', answer: 'Ann', score: 1 }]);
 * console.log(written); // 1
 * ```
 */
export async function appendJsonl<T>(path: string, records: Records<T>, options: WriteJsonlOptions = {}): Promise<AppendJsonlResult> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a+');
  try {
    const { tail, removedBytes } = await repairTail(handle);
    const written = await writeLines(handle, path, records, options.schema, true);
    await handle.sync();
    return { written, tail, removedBytes };
  } finally {
    await handle.close();
  }
}

/** One record as one JSONL line, `\n` included. */
function toLine(record: unknown): string {
  const json = JSON.stringify(record);
  // JSON.stringify returns undefined for undefined, functions and symbols: not a line.
  if (json === undefined) throw new TypeError(`cannot write ${typeof record} as a JSON line`);
  return `${json}\n`;
}

async function writeLines<T>(handle: FileHandle, path: string, records: Records<T>, schema: z.ZodType | undefined, flushOnError: boolean): Promise<number> {
  let batch: string[] = [];
  let batchCharacters = 0;
  let count = 0;
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const bytes = Buffer.from(batch.join(''), 'utf8');
    batch = [];
    batchCharacters = 0;
    await writeAll(handle, bytes);
  };
  try {
    for await (const record of records) {
      if (schema) {
        const parsed = schema.safeParse(record);
        if (!parsed.success) throw new DataFormatError({ file: path, row: count, reason: describeZodIssues(parsed.error.issues) });
      }
      const line = toLine(record);
      batch.push(line);
      batchCharacters += line.length;
      count++;
      if (batchCharacters >= BATCH_CHARACTERS) await flush();
    }
  } catch (error) {
    if (flushOnError) await flush();
    throw error;
  }
  await flush();
  return count;
}

/** Makes sure the file ends at a line boundary before appending. */
async function repairTail(handle: FileHandle): Promise<Omit<AppendJsonlResult, 'written'>> {
  const { size } = await handle.stat();
  if (size === 0 || (await byteAt(handle, size - 1)) === 0x0a) return { tail: 'clean', removedBytes: 0 };
  const lineStart = (await lastNewline(handle, size)) + 1;
  const lastLine = Buffer.alloc(size - lineStart);
  await handle.read(lastLine, 0, lastLine.length, lineStart);
  if (isJson(lastLine.toString('utf8'))) {
    await writeAll(handle, Buffer.from('\n'));
    return { tail: 'newline-added', removedBytes: 0 };
  }
  await handle.truncate(lineStart);
  return { tail: 'torn-line-removed', removedBytes: size - lineStart };
}

async function byteAt(handle: FileHandle, position: number): Promise<number | undefined> {
  const byte = Buffer.alloc(1);
  const { bytesRead } = await handle.read(byte, 0, 1, position);
  return bytesRead === 1 ? byte[0] : undefined;
}

/** Position of the last `\n` before `end`, or -1 when there is none. */
async function lastNewline(handle: FileHandle, end: number): Promise<number> {
  const block = Buffer.alloc(TAIL_SCAN_BYTES);
  for (let blockEnd = end; blockEnd > 0; blockEnd -= TAIL_SCAN_BYTES) {
    const blockStart = Math.max(0, blockEnd - TAIL_SCAN_BYTES);
    const { bytesRead } = await handle.read(block, 0, blockEnd - blockStart, blockStart);
    const at = block.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return blockStart + at;
  }
  return -1;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
