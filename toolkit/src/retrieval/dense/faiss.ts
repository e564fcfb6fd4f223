/**
 * FAISS from Node: an index built from a factory string, vectors passed as `Float32Array`
 * without copying, and add / train / search / write running off the main thread (FAISS
 * itself uses every core through OpenMP). Files are FAISS's own format, so an index written
 * by Python's `faiss.write_index` (e.g. the e5 `IndexFlatIP` of s3) loads here and back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { loadNativeFaiss, type NativeFaissIndex } from './native.js';

/** How vectors are compared: inner product (cosine on normalised vectors, as e5 in s3) or squared L2 distance. */
export type FaissMetric = 'inner_product' | 'l2';

const METRIC_CODES: Record<FaissMetric, number> = { inner_product: 0, l2: 1 };

/** Options of {@link FaissIndex.create}. */
export interface FaissIndexOptions {
  dimension: number;
  /** A FAISS index_factory string: "Flat" (exact, the default), "IVF1024,Flat", "HNSW32", "IVF256,PQ16"… */
  factory?: string;
  /** Default `'inner_product'`. */
  metric?: FaissMetric;
}

const optionsSchema = z.object({
  dimension: z.number().int().min(1).max(1 << 16),
  factory: z.string().min(1).default('Flat'),
  metric: z.enum(['inner_product', 'l2']).default('inner_product'),
});

/** The `k` best of each query, row-major: query `i`'s hits are at `[i * k, (i + 1) * k)`, best first. */
export interface FaissSearchResult {
  /** Inner products (higher is better) or squared L2 distances (lower is better). */
  distances: Float32Array;
  /** Rows in insertion order; -1 where an approximate index found fewer than k. */
  labels: BigInt64Array;
}

/**
 * One FAISS index. Calls on the same index run one after another in call order (FAISS
 * forbids searching while adding), each using all cores.
 *
 * Vectors must be finite: NaN or ±Infinity in `add`, `train` or `search` rejects with the
 * row and column, since FAISS would otherwise rank them silently wrong. Do not change a
 * `Float32Array` while a call that was given it is pending: FAISS reads it in place.
 */
export class FaissIndex {
  readonly #native: NativeFaissIndex;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(native: NativeFaissIndex) {
    this.#native = native;
  }

  /**
   * A new, empty index.
   *
   * @example
   * ```ts
   * import { FaissIndex } from '@s3lab/toolkit';
   * const index = FaissIndex.create({ dimension: 768 }); // exact inner product ("Flat")
   * const ivf = FaissIndex.create({ dimension: 768, factory: 'IVF1024,Flat', metric: 'l2' }); // needs train()
   * ```
   */
  static create(options: FaissIndexOptions): FaissIndex {
    const { dimension, factory, metric } = optionsSchema.parse(options);
    try {
      return new FaissIndex(loadNativeFaiss().createIndex(dimension, factory, METRIC_CODES[metric]));
    } catch (error) {
      throw new RangeError(`cannot create a FAISS index "${factory}" of dimension ${dimension}: ${(error as Error).message}`);
    }
  }

  /**
   * Reads an index written by {@link FaissIndex.write} or by FAISS itself (C++ or Python `faiss.write_index`).
   *
   * @example
   * ```ts
   * import { FaissIndex } from '@s3lab/toolkit';
   * const index = await FaissIndex.read('e5_Flat.index');
   * console.log(index.ntotal, index.dimension, index.metric); // 21015324 768 'inner_product'
   * ```
   */
  static async read(path: string): Promise<FaissIndex> {
    try {
      return new FaissIndex(await loadNativeFaiss().readIndex(path));
    } catch (error) {
      throw new Error(`cannot read FAISS index ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Vector length. */
  get dimension(): number {
    return this.#native.dimension;
  }

  /** Vectors added so far. */
  get ntotal(): number {
    return this.#native.ntotal;
  }

  get metric(): FaissMetric {
    return this.#native.metric === 0 ? 'inner_product' : 'l2';
  }

  /** False until {@link FaissIndex.train} for factories that learn from data (IVF, PQ); always true for Flat and HNSW. */
  get isTrained(): boolean {
    return this.#native.isTrained;
  }

  /**
   * Appends `n` vectors (row-major, `n * dimension` floats; `n` defaults to all the rows
   * given); they get rows `ntotal … ntotal + n - 1`.
   *
   * @example
   * ```ts
   * import { FaissIndex } from '@s3lab/toolkit';
   * const index = FaissIndex.create({ dimension: 2 });
   * await index.add(new Float32Array([1, 0, 0, 1]), 2);
   * console.log(index.ntotal); // 2
   * ```
   */
  add(vectors: Float32Array, n?: number): Promise<void> {
    return this.enqueue(() => this.#native.add(vectors, n ?? this.rowsOf(vectors)));
  }

  /**
   * Trains the index on `n` sample vectors (for factories such as "IVF1024,Flat"; a no-op for "Flat").
   *
   * @example
   * ```ts
   * import { FaissIndex } from '@s3lab/toolkit';
   * const index = FaissIndex.create({ dimension: 8, factory: 'IVF4,Flat' });
   * await index.train(Float32Array.from({ length: 8 * 200 }, Math.random));
   * console.log(index.isTrained); // true
   * ```
   */
  train(vectors: Float32Array, n?: number): Promise<void> {
    return this.enqueue(() => this.#native.train(vectors, n ?? this.rowsOf(vectors)));
  }

  /**
   * The `k` nearest rows of each of `nq` queries (row-major, `nq * dimension` floats).
   * `k` may not exceed {@link FaissIndex.ntotal}: ask for at most what the index holds.
   *
   * @example
   * ```ts
   * import { FaissIndex } from '@s3lab/toolkit';
   * const index = FaissIndex.create({ dimension: 2 });
   * await index.add(new Float32Array([1, 0, 0, 1]));
   * const { distances, labels } = await index.search(new Float32Array([0.2, 0.9]), 1, 2);
   * console.log(labels, distances); // BigInt64Array [1n, 0n] Float32Array [0.9, 0.2]
   * ```
   */
  search(queries: Float32Array, nq: number, k: number): Promise<FaissSearchResult> {
    return this.enqueue(() => {
      if (Number.isInteger(k) && k > this.ntotal) {
        throw new RangeError(`k = ${k} exceeds the ${this.ntotal} vectors in the index; ask for at most ntotal`);
      }
      return this.#native.search(queries, nq, k);
    });
  }

  /**
   * Writes the index in FAISS's format (readable by Python's `faiss.read_index`), atomically:
   * a temporary file beside `path`, then a rename.
   *
   * @example
   * ```ts
   * import { FaissIndex } from '@s3lab/toolkit';
   * const index = FaissIndex.create({ dimension: 2 });
   * await index.add(new Float32Array([1, 0]));
   * await index.write('/tmp/tiny.faiss'); // python3 -c "import faiss; print(faiss.read_index('/tmp/tiny.faiss').ntotal)"
   * ```
   */
  write(path: string): Promise<void> {
    return this.enqueue(async () => {
      await mkdir(dirname(path), { recursive: true });
      const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await this.#native.write(temporary);
        await rename(temporary, path);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw new Error(`cannot write FAISS index ${path}: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  /**
   * Sets a search-time parameter by FAISS name: `nprobe` (IVF), `efSearch` (HNSW)…
   * Takes effect for the searches queued after it.
   *
   * @example
   * ```ts
   * import { FaissIndex } from '@s3lab/toolkit';
   * const index = FaissIndex.create({ dimension: 8, factory: 'IVF4,Flat' });
   * await index.setParameter('nprobe', 4);
   * ```
   */
  setParameter(name: string, value: number): Promise<void> {
    return this.enqueue(() => this.#native.setParameter(name, value));
  }

  /** Rows in a row-major `vectors` array, checking it holds whole rows. */
  private rowsOf(vectors: Float32Array): number {
    if (!(vectors instanceof Float32Array)) throw new TypeError('vectors must be a Float32Array');
    if (vectors.length % this.dimension !== 0) {
      throw new RangeError(`vectors has ${vectors.length} floats, not a whole number of rows of dimension ${this.dimension}`);
    }
    return vectors.length / this.dimension;
  }

  /** Runs `work` after every earlier call on this index has settled (FAISS is not safe for concurrent add + search). */
  private enqueue<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Sets how many OpenMP threads FAISS uses for later calls (default: one per core).
 *
 * @example
 * ```ts
 * import { setFaissThreads, getFaissThreads } from '@s3lab/toolkit';
 * setFaissThreads(1); // e.g. to measure single-core speed
 * console.log(getFaissThreads()); // 1
 * ```
 */
export function setFaissThreads(threads: number): void {
  loadNativeFaiss().setThreads(z.number().int().min(1).parse(threads));
}

/**
 * The number of OpenMP threads FAISS uses.
 *
 * @example
 * ```ts
 * import { getFaissThreads } from '@s3lab/toolkit';
 * console.log(getFaissThreads()); // e.g. 2 on a 2-core machine
 * ```
 */
export function getFaissThreads(): number {
  return loadNativeFaiss().getThreads();
}
