/**
 * Corpus JSONL in the wiki-18 shape: `{"id": "...", "contents": "\"Title\"\ntext"}`, the
 * title on the first line of `contents`, wrapped in double quotes.
 */
import { z } from 'zod';
import { readJsonl, type ReadJsonlOptions } from '../../core/jsonl.js';
import type { RecordStream } from '../../core/record-stream.js';

/**
 * An id as wiki-18 writes it (a string of digits) or as a number; always a string after
 * parsing. Integers only: JSON numbers past 2^53 have already lost digits when parsed.
 */
export const recordIdSchema = z.union([z.string(), z.number().int()]).transform(String);

/** One corpus line. Fields other than `id` and `contents` are not kept. */
export const corpusDocumentSchema = z.object({ id: recordIdSchema, contents: z.string() });

/** One passage of the corpus, as retrieval servers return it (`document` of a hit). */
export type CorpusDocument = z.output<typeof corpusDocumentSchema>;

/**
 * Streams the passages of a corpus JSONL file (see {@link readJsonl} for error handling). An
 * empty file is an `InputError`; a repeated id is a problem of its line, naming the first one's
 * (found with bounded memory, so a 21M-passage corpus streams as before).
 *
 * @example
 * ```ts
 * import { readCorpus, splitContents } from '@s3lab/toolkit';
 * for await (const { id, contents } of readCorpus('datasets/lab/corpus.jsonl')) {
 *   console.log(id, splitContents(contents).title);
 *   break;
 * }
 * ```
 */
export function readCorpus(path: string, options: ReadJsonlOptions = {}): RecordStream<CorpusDocument> {
  return readJsonl(path, corpusDocumentSchema, options, {
    nonEmpty: 'corpus passages, one {"id", "contents"} JSON object per line',
    unique: { field: 'id', key: (document) => document.id },
  });
}

/** Options of {@link splitContents}. */
export interface SplitContentsOptions {
  /**
   * Strip one pair of double quotes around the title (default true). The original
   * Search-R1/s3 clients keep them, so their prompts read `Doc 1(Title: "Paris") ...`;
   * pass false to reproduce those bytes exactly.
   */
  stripQuotes?: boolean;
}

const QUOTED = /^"(.*)"$/su;

/**
 * Title (first line of `contents`) and text (everything after the first newline, `''`
 * when there is none), as the s3 clients split a passage.
 *
 * @example
 * ```ts
 * import { splitContents } from '@s3lab/toolkit';
 * splitContents('"Paris"\nParis is the capital of France.'); // { title: 'Paris', text: 'Paris is the capital of France.' }
 * ```
 */
export function splitContents(contents: string, options: SplitContentsOptions = {}): { title: string; text: string } {
  const newline = contents.indexOf('\n');
  const firstLine = newline < 0 ? contents : contents.slice(0, newline);
  const text = newline < 0 ? '' : contents.slice(newline + 1);
  const title = options.stripQuotes === false ? firstLine : firstLine.replace(QUOTED, '$1');
  return { title, text };
}

/**
 * `contents` for a passage, written as wiki-18 writes it: the title in double quotes on
 * the first line, then the text. The lab world uses the same form, so a corpus is read
 * and shown (`Doc i(Title: "...") ...` in the original clients) alike at both scales.
 * The inverse of {@link splitContents}. Throws if the title contains a newline, which
 * would move part of it into the text.
 *
 * @example
 * ```ts
 * import { joinContents } from '@s3lab/toolkit';
 * joinContents('Paris', 'Paris is the capital of France.'); // '"Paris"\nParis is the capital of France.'
 * ```
 */
export function joinContents(title: string, text: string): string {
  if (title.includes('\n')) throw new RangeError(`a passage title cannot contain a newline: ${JSON.stringify(title)}`);
  return `"${title}"\n${text}`;
}
