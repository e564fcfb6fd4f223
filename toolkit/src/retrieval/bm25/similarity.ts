/**
 * Lucene 8's BM25Similarity, operation for operation in float32 (Math.fround after every step,
 * as the JVM rounds every float operation), so s3lab's scores equal Lucene's bit for bit and
 * rankings agree down to ties.
 *
 * - idf = (float) ln(1 + (docCount − df + 0.5) / (df + 0.5)), computed in double, stored as float
 * - weight = boost · idf
 * - the document length is the *lossy norm*: SmallFloat.intToByte4(number of terms), one byte per
 *   document, decoded through byte4ToInt (so lengths above 24 are rounded down to 4 significant bits)
 * - score = weight − weight / (1 + freq · normInverse[norm]), with
 *   normInverse[n] = 1 / (k1 · ((1 − b) + b · byte4ToInt(n) / avgdl)) and
 *   avgdl = (float) (sumTotalTermFreq / docCount)
 *
 * @example
 * ```ts
 * const norms = normInverseTable(0.9, 0.4, 80);
 * const score = bm25TermScore(bm25Weight(1, idf(3, 1000)), 2, norms[lengthToNorm(75)] ?? 0);
 * ```
 */
const f = Math.fround;

/** Values below this are stored exactly by intToByte4 (255 − longToInt4(Integer.MAX_VALUE)). */
const NUM_FREE_VALUES = 24;

function longToInt4(i: number): number {
  const numBits = 32 - Math.clz32(i);
  if (numBits < 4) return i;
  const shift = numBits - 4;
  return ((i >>> shift) & 0x07) | ((shift + 1) << 3);
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

/** SmallFloat.intToByte4: a document length as the norm byte Lucene stores (0–255). */
export function lengthToNorm(length: number): number {
  if (length < 0 || !Number.isInteger(length)) throw new RangeError(`a field length is a non-negative integer, got ${length}`);
  return length < NUM_FREE_VALUES ? length : NUM_FREE_VALUES + longToInt4(length - NUM_FREE_VALUES);
}

/** SmallFloat.byte4ToInt: the length a norm byte stands for. */
export function normToLength(norm: number): number {
  return norm < NUM_FREE_VALUES ? norm : NUM_FREE_VALUES + int4ToLong(norm - NUM_FREE_VALUES);
}

/** BM25Similarity.idf: (float) Math.log(1 + (docCount - docFreq + 0.5D) / (docFreq + 0.5D)). */
export function idf(docFreq: number, docCount: number): number {
  return f(Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

/** BM25Similarity.avgFieldLength: (float) (sumTotalTermFreq / (double) docCount). */
export function averageLength(sumTotalTermFreq: number, docCount: number): number {
  return docCount === 0 ? 1 : f(sumTotalTermFreq / docCount);
}

/** The scorer's cache: 1 / (k1 · ((1 − b) + b · length(norm) / avgdl)) per norm byte, in float32. */
export function normInverseTable(k1: number, b: number, avgdl: number): Float32Array {
  const k1f = f(k1);
  const bf = f(b);
  const table = new Float32Array(256);
  for (let norm = 0; norm < 256; norm++) {
    const lengthPart = f(f(bf * f(normToLength(norm))) / avgdl);
    table[norm] = f(1 / f(k1f * f(f(1 - bf) + lengthPart)));
  }
  return table;
}

/** BM25Scorer.weight: boost · idf in float32. */
export function bm25Weight(boost: number, termIdf: number): number {
  return f(f(boost) * termIdf);
}

/** BM25Scorer.score: weight − weight / (1 + freq · normInverse), each step in float32. */
export function bm25TermScore(weight: number, freq: number, normInverse: number): number {
  return f(weight - f(weight / f(1 + f(freq * normInverse))));
}
