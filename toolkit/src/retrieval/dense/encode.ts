/**
 * The seam between dense retrieval and a text encoder (e5 through ONNX, or anything else):
 * a function from texts to one vector each. Dense retrieval never imports an encoder; it
 * takes this function, so encoders and indexes vary independently.
 */
import type { CorpusDocument } from '../../data/formats/corpus.js';
import type { DenseBatch } from './vectors.js';

/** Texts in, one vector per text out, in order (e.g. the ONNX encoder's `encode`). */
export type EncodeTexts = (texts: string[]) => Promise<Float32Array[]>;

/** Where a resumed build starts: `done` rows are in the checkpoint, row r with id `idOf(r)`. */
export interface ResumePoint {
  done: number;
  idOf(row: number): string;
}

/**
 * `encode(texts)`, checked: one `Float32Array` of `dimension` floats per text.
 *
 * @example
 * ```ts
 * import { encodeChecked } from '@s3lab/toolkit';
 * const [v] = await encodeChecked(async (t) => t.map(() => new Float32Array([1, 0])), ['hi'], 2); // Float32Array [1, 0]
 * ```
 */
export async function encodeChecked(encode: EncodeTexts, texts: string[], dimension: number): Promise<Float32Array[]> {
  const vectors = await encode(texts);
  if (!Array.isArray(vectors) || vectors.length !== texts.length) {
    throw new TypeError(`the encoder returned ${Array.isArray(vectors) ? vectors.length : typeof vectors} vectors for ${texts.length} texts`);
  }
  vectors.forEach((vector, i) => {
    if (!(vector instanceof Float32Array) || vector.length !== dimension) {
      throw new RangeError(`the encoder returned ${vector instanceof Float32Array ? `a vector of dimension ${vector.length}` : 'a non-Float32Array'} for text ${i}; the index has dimension ${dimension}`);
    }
  });
  return vectors;
}

/** Options of {@link encodePassages}. */
export interface EncodePassagesOptions {
  /** Vector length the encoder produces (checked on every batch). */
  dimension: number;
  /** Passages per `encode` call (and per checkpoint batch); default 256. */
  batchSize?: number;
  /** Put before each passage's `contents`: e5 wants "passage: " (its queries "query: "); default ''. */
  prefix?: string;
}

/**
 * A resumable source for `buildDenseIndex`: encodes `passages` (`prefix + contents`) in
 * batches. On resume it reads past the passages already in the checkpoint without encoding
 * them again, and checks their ids match, so a different corpus is caught, not mixed in.
 *
 * @example
 * ```ts
 * import { buildDenseIndex, encodePassages, readCorpus } from '@s3lab/toolkit';
 * const source = encodePassages(readCorpus('datasets/lab/corpus.jsonl'), encode, { dimension: 768, prefix: 'passage: ' });
 * const index = await buildDenseIndex(source, { directory: 'indexes/lab-e5', dimension: 768, encoder: 'intfloat/e5-base-v2' });
 * ```
 */
export function encodePassages(
  passages: AsyncIterable<CorpusDocument> | Iterable<CorpusDocument>,
  encode: EncodeTexts,
  options: EncodePassagesOptions,
): (resume: ResumePoint) => AsyncGenerator<DenseBatch> {
  const batchSize = options.batchSize ?? 256;
  const prefix = options.prefix ?? '';
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return async function* encodeFrom(resume: ResumePoint) {
    let row = 0;
    let pending: CorpusDocument[] = [];
    const flush = async () => {
      const vectors = await encodeChecked(encode, pending.map((p) => prefix + p.contents), options.dimension);
      const batch = pending.map((p, i) => ({ id: p.id, vector: vectors[i] as Float32Array }));
      pending = [];
      return batch;
    };
    for await (const passage of passages) {
      if (row < resume.done) {
        if (passage.id !== resume.idOf(row)) {
          throw new Error(`passage ${row} has id ${JSON.stringify(passage.id)}, but the checkpoint has ${JSON.stringify(resume.idOf(row))} there: not the corpus the build started with`);
        }
      } else {
        pending.push(passage);
        if (pending.length === batchSize) yield await flush();
      }
      row++;
    }
    if (row < resume.done) throw new Error(`the corpus has ${row} passages, but the checkpoint already holds ${resume.done}: not the corpus the build started with`);
    if (pending.length > 0) yield await flush();
  };
}
