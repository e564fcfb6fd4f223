/**
 * The row → passage id list of a dense index: a text file with one id per line, so that
 * `open(path).read().splitlines()` in Python gives the same list. Ids therefore may not
 * contain a line break (wiki-18's are digits).
 */
import { readFile } from 'node:fs/promises';
import { DataFormatError } from '../../core/problems.js';

/**
 * The bytes of `ids` as lines of the ids file. Throws on an id that is empty or has a line break.
 *
 * @example
 * ```ts
 * encodeIds(['12', '13'], 0).toString(); // '12\n13\n'
 * ```
 */
export function encodeIds(ids: readonly string[], firstRow: number): Buffer {
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || /[\r\n]/u.test(id)) {
      throw new RangeError(`passage id of row ${firstRow + i} must be a non-empty string without line breaks, got ${JSON.stringify(id)}`);
    }
  });
  return Buffer.from(ids.length === 0 ? '' : `${ids.join('\n')}\n`, 'utf8');
}

/**
 * The ids in `file`; with `expected`, checks that there are exactly that many.
 *
 * @example
 * ```ts
 * const ids = await readIds('index/ids.txt', 1000);
 * ```
 */
export async function readIds(file: string, expected?: number): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new DataFormatError({ file, line: text.split('\n').length, reason: 'the last line has no newline (truncated file?)' });
  const ids = text.length === 0 ? [] : text.slice(0, -1).split('\n');
  if (expected !== undefined && ids.length !== expected) {
    throw new DataFormatError({ file, line: ids.length, reason: `${ids.length} ids, but the index has ${expected} rows` });
  }
  return ids;
}

/**
 * Whether `ids[i] === String(firstRow + i)` for every i (wiki-18 numbers its passages by row).
 *
 * @example
 * ```ts
 * idsAreRowNumbers(['5', '6'], 5); // true
 * ```
 */
export function idsAreRowNumbers(ids: readonly string[], firstRow: number): boolean {
  return ids.every((id, i) => id === String(firstRow + i));
}
