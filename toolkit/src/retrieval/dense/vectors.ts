import { z } from 'zod';

/**
 * Vectors in the two shapes dense retrieval meets: one `Float32Array` per text (what an
 * encoder returns) and one row-major `Float32Array` for many (what FAISS reads).
 */

/** A batch of vectors to index: one `{id, vector}` per passage, or the same already packed row-major. */
export type DenseBatch =
  | readonly { id: string; vector: Float32Array }[]
  | { ids: readonly string[]; vectors: Float32Array };

/** A batch in the packed shape. */
export interface PackedBatch {
  ids: readonly string[];
  vectors: Float32Array;
}

/**
 * Concatenates `rows` into one row-major array, checking each has `dimension` floats.
 *
 * @example
 * ```ts
 * import { packRows } from '@s3lab/toolkit';
 * packRows([new Float32Array([1, 2]), new Float32Array([3, 4])], 2); // Float32Array [1, 2, 3, 4]
 * ```
 */
export function packRows(rows: readonly Float32Array[], dimension: number): Float32Array {
  const packed = new Float32Array(rows.length * dimension);
  rows.forEach((row, i) => {
    if (!(row instanceof Float32Array)) throw new TypeError(`vector ${i} is not a Float32Array`);
    if (row.length !== dimension) throw new RangeError(`vector ${i} has dimension ${row.length}; the index has ${dimension}`);
    packed.set(row, i * dimension);
  });
  return packed;
}

/**
 * A {@link DenseBatch} in the packed shape, checked: as many ids as rows, each row `dimension` floats.
 *
 * @example
 * ```ts
 * import { packBatch } from '@s3lab/toolkit';
 * packBatch([{ id: 'a', vector: new Float32Array([1, 0]) }], 2); // { ids: ['a'], vectors: Float32Array [1, 0] }
 * ```
 */
export function packBatch(batch: DenseBatch, dimension: number): PackedBatch {
  if (Array.isArray(batch)) {
    const items = batch as readonly { id: string; vector: Float32Array }[];
    return { ids: items.map((item) => item.id), vectors: packRows(items.map((item) => item.vector), dimension) };
  }
  const { ids, vectors } = batch as PackedBatch;
  if (!(vectors instanceof Float32Array)) throw new TypeError('batch.vectors must be a Float32Array');
  if (vectors.length !== ids.length * dimension) {
    throw new RangeError(`batch has ${ids.length} ids but ${vectors.length} floats; ${ids.length} vectors of dimension ${dimension} need ${ids.length * dimension}`);
  }
  return { ids, vectors };
}

const countSchema = (name: string) => z.number({ error: `${name} must be a number` }).int(`${name} must be an integer`).min(0, `${name} must be >= 0`);

/**
 * Checks a search's arguments as every vector index takes them: `nq` row-major queries of
 * `dimension` floats and a count `k`.
 *
 * @example
 * ```ts
 * checkSearchArguments(new Float32Array(4), 2, 10, 2); // passes; a wrong length throws naming both sizes
 * ```
 */
export function checkSearchArguments(queries: Float32Array, nq: number, k: number, dimension: number): void {
  countSchema('nq').parse(nq);
  countSchema('k').parse(k);
  if (!(queries instanceof Float32Array)) throw new TypeError('queries must be a Float32Array');
  if (queries.length !== nq * dimension) {
    throw new RangeError(`queries has ${queries.length} floats; ${nq} queries of dimension ${dimension} need ${nq * dimension}`);
  }
}
