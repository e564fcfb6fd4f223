/**
 * Reading JSON Lines: one JSON value per line, validated with a zod schema.
 *
 * Blank lines: the empty string after the final newline is not a line. A blank
 * (whitespace-only) line anywhere else is reported as a problem like any bad line,
 * because the originals' loaders (`json.loads(line)` per line in FlashRAG and s3) fail
 * on it, and a blank line in the middle usually means a damaged or concatenated file.
 * Pass `blankLines: 'skip'` to accept such files the way pandas' `read_json(lines=True)` does.
 */
import type { z } from 'zod';
import { readLines, type TextLine } from './lines.js';
import { RecordStream, type FileChecks, type RawRecord, type ReadOptions } from './record-stream.js';

/** Options of {@link readJsonl}. */
export interface ReadJsonlOptions extends ReadOptions {
  /** `'report'` (default): a blank line in the middle is a problem; `'skip'`: ignore it. */
  blankLines?: 'report' | 'skip';
}

const EXCERPT_CHARACTERS = 120;
const BLANK = /^[ \t\r]*$/;

/**
 * Streams the records of a JSONL file: each line is parsed, validated with `schema`, and
 * yielded typed. Memory stays bounded whatever the file size. A bad line (invalid JSON,
 * invalid UTF-8, schema mismatch, blank) stops the read with a `DataFormatError` naming
 * file, line and reason, or, with an `onError` callback, is handed to it and skipped;
 * `stream.stats` counts records and problems. `checks` are what a format asks of the whole file
 * (not empty, unique ids: see {@link FileChecks}).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { readJsonl, type DataProblem } from '@s3lab/toolkit';
 * const problems: DataProblem[] = [];
 * const stream = readJsonl('datasets/lab/train.jsonl', z.object({ id: z.string(), question: z.string() }), {
 *   onError: (p) => problems.push(p),
 * });
 * for await (const { id, question } of stream) console.log(id, question);
 * console.log(stream.stats.records, 'records,', stream.stats.problems, 'problems');
 * ```
 */
export function readJsonl<S extends z.ZodType>(path: string, schema: S, options: ReadJsonlOptions = {}, checks: FileChecks<z.output<S>> = {}): RecordStream<z.output<S>> {
  const blankLines = options.blankLines ?? 'report';
  return new RecordStream<z.output<S>>(path, 'line', () => parseLines(path, blankLines), schema as z.ZodType<z.output<S>>, options.onError, checks);
}

async function* parseLines(path: string, blankLines: 'report' | 'skip'): AsyncGenerator<RawRecord> {
  for await (const line of readLines(path)) {
    const raw = parseLine(line, blankLines);
    if (raw) yield raw;
  }
}

function parseLine(line: TextLine, blankLines: 'report' | 'skip'): RawRecord | undefined {
  const { number: position, text } = line;
  const excerpt = text.length > EXCERPT_CHARACTERS ? `${text.slice(0, EXCERPT_CHARACTERS)}…` : text;
  if (line.invalidUtf8) return { position, reason: 'invalid UTF-8', excerpt };
  if (BLANK.test(text)) return blankLines === 'skip' ? undefined : { position, reason: 'blank line', excerpt };
  try {
    return { position, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { position, reason: `invalid JSON: ${(error as Error).message}`, excerpt };
  }
}
