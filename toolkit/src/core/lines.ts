/**
 * Lines of a text file with bounded memory: a file of any size is read in chunks and
 * split on `\n` bytes, so only the current chunk and one partial line are held.
 *
 * Why not node:readline: it also breaks lines on a lone `\r`, and it decodes invalid
 * UTF-8 to U+FFFD without a word. Splitting bytes is safe for UTF-8 because the byte
 * 0x0A never occurs inside a multi-byte character.
 */
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';

/** One line without its terminator (`\n` or `\r\n`); `number` is 1-based. */
export interface TextLine {
  number: number;
  text: string;
  /** Set when the bytes are not valid UTF-8; `text` then holds U+FFFD replacements. */
  invalidUtf8?: true;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a UTF-8 file. The empty string after a final `\n` is not a line; a last
 * line without `\n` is. A UTF-8 byte order mark at the start is dropped.
 */
export async function* readLines(path: string): AsyncGenerator<TextLine> {
  // Pieces of a line that spans chunks; joined once when its newline arrives, so a
  // very long line costs one copy, not one per chunk.
  let pending: Buffer[] = [];
  let number = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, end);
      const bytes = pending.length ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      yield decodeLine(bytes, ++number);
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length) yield decodeLine(Buffer.concat(pending), ++number);
}

function decodeLine(bytes: Buffer, number: number): TextLine {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
  let text = bytes.toString('utf8', 0, end);
  if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // toString replaces bad bytes with U+FFFD; only then is the (slower) validation worth it.
  if (text.includes('\uFFFD') && !isUtf8(bytes.subarray(0, end))) return { number, text, invalidUtf8: true };
  return { number, text };
}

/**
 * The number of lines {@link readLines} would yield, counted on raw bytes without decoding:
 * a cheap total for progress bars over multi-GB corpora.
 *
 * @example
 * ```ts
 * import { countLines } from '@s3lab/toolkit';
 * await countLines('datasets/lab/corpus.jsonl'); // 19720
 * ```
 */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let endsWithNewline = true;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, at + 1)) lines++;
    if (chunk.length > 0) endsWithNewline = chunk[chunk.length - 1] === NEWLINE;
  }
  return endsWithNewline ? lines : lines + 1;
}
