/**
 * The arrays a BM25 index is made of, the same in memory and on disk (format.ts writes and reads
 * them as they are): a sorted term dictionary, postings grouped by term with doc numbers
 * ascending, one norm byte per document, and the corpus ids. Doc numbers are corpus line numbers
 * (0-based), so ties, which Lucene breaks by lower doc number, fall in corpus order.
 */

/** What the header of an index records; everything else is arrays. */
export interface Bm25Stats {
  /** Passages indexed (corpus lines). */
  documents: number;
  /** Passages with at least one term: Lucene's docCount, the N of idf and the divisor of avgdl. */
  docCount: number;
  /** Sum of all document lengths in terms (Lucene's sumTotalTermFreq). */
  sumTotalTermFreq: number;
  terms: number;
  postings: number;
  k1: number;
  b: number;
}

export interface Bm25Arrays {
  /** UTF-8 bytes of every term, concatenated in byte order; term t is termBytes[termOffsets[t] .. termOffsets[t + 1]). */
  termBytes: Uint8Array;
  termOffsets: Uint32Array;
  /** Postings of term t: postingDocs / postingFreqs [termStarts[t] .. termStarts[t + 1]); df = their count. */
  termStarts: Uint32Array;
  /** Per term, the largest float32 freq · normInverse over its postings: the term's score bound for MaxScore. */
  termMaxTf: Float32Array;
  postingDocs: Uint32Array;
  /** Term frequencies; 255 means "look in the overflow table" (freqOverflowAt / freqOverflowValue, sorted by posting). */
  postingFreqs: Uint8Array;
  freqOverflowAt: Uint32Array;
  freqOverflowValue: Uint32Array;
  /** Lucene's norm byte per document (SmallFloat.intToByte4 of its length). */
  norms: Uint8Array;
  /** UTF-8 corpus ids, concatenated; id of doc d is idBytes[idOffsets[d] .. idOffsets[d + 1]). */
  idBytes: Uint8Array;
  idOffsets: Float64Array;
}

export interface Bm25Data extends Bm25Arrays {
  stats: Bm25Stats;
}

/** Frequencies at or above this go to the overflow table. */
export const FREQ_OVERFLOW = 255;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Binary search of the term dictionary; -1 when the term is not in the index. */
export function findTerm(data: Bm25Arrays, term: string): number {
  const key = encoder.encode(term);
  let lo = 0;
  let hi = data.termOffsets.length - 2;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = compareBytes(data.termBytes, data.termOffsets[mid] as number, data.termOffsets[mid + 1] as number, key);
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function compareBytes(bytes: Uint8Array, start: number, end: number, key: Uint8Array): number {
  const n = Math.min(end - start, key.length);
  for (let i = 0; i < n; i++) {
    const diff = (bytes[start + i] as number) - (key[i] as number);
    if (diff !== 0) return diff;
  }
  return end - start - key.length;
}

/** The term frequency of posting p. */
export function postingFreq(data: Bm25Arrays, p: number): number {
  const freq = data.postingFreqs[p] as number;
  if (freq !== FREQ_OVERFLOW) return freq;
  let lo = 0;
  let hi = data.freqOverflowAt.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = data.freqOverflowAt[mid] as number;
    if (at === p) return data.freqOverflowValue[mid] as number;
    if (at < p) lo = mid + 1;
    else hi = mid - 1;
  }
  return freq;
}

/** The corpus id of doc number d. */
export function docId(data: Bm25Arrays, d: number): string {
  return decoder.decode(data.idBytes.subarray(data.idOffsets[d] as number, data.idOffsets[d + 1] as number));
}

/** Orders strings by code point, which is UTF-8 byte order (JS `<` compares UTF-16 units instead). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (a code point above U+FFFF) sorts after every BMP unit, U+E000–U+FFFF included.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
