/**
 * A FAISS index plus what turns its rows back into passages: the passage id of every row
 * and a manifest (dimension, metric, factory, encoder). Saved as a directory (see
 * `manifest.ts` for the layout); an index written by Python FAISS alone loads too.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import { FaissIndex, type FaissMetric } from './faiss.js';
import { encodeIds, idsAreRowNumbers, readIds } from './ids-file.js';
import { IDS_FILE, INDEX_FILE, MANIFEST_FILE, readManifest, writeManifest, type DenseConfig, type DenseManifest } from './manifest.js';
import { checkSearchArguments } from './vectors.js';

/** One hit of a vector search: the FAISS row, its passage id and the score (inner product, or squared L2 distance). */
export interface DenseMatch {
  row: number;
  id: string;
  score: number;
}

/** Options of {@link DenseIndex.create}. */
export interface DenseIndexOptions {
  dimension: number;
  /** FAISS index_factory string; default "Flat" (exact search, as s3's e5 index). */
  factory?: string;
  /** Default `'inner_product'` (cosine on the L2-normalised e5 vectors). */
  metric?: FaissMetric;
  /** Name of the encoder that makes the vectors, kept in the manifest; e.g. "intfloat/e5-base-v2". */
  encoder?: string;
}

const createSchema = z.object({
  dimension: z.number().int().min(1),
  factory: z.string().min(1).default('Flat'),
  metric: z.enum(['inner_product', 'l2']).default('inner_product'),
  encoder: z.string().default(''),
});

/**
 * Dense passage index: vectors in FAISS, ids beside them.
 *
 * @example
 * ```ts
 * import { DenseIndex } from '@s3lab/toolkit';
 * const index = DenseIndex.create({ dimension: 2, encoder: 'toy' });
 * await index.add(['a', 'b'], new Float32Array([1, 0, 0, 1]));
 * const [hits] = await index.searchVectors(new Float32Array([0.1, 0.9]), 1, 1);
 * console.log(hits); // [{ row: 1, id: 'b', score: 0.9 }]
 * ```
 */
export class DenseIndex {
  readonly faiss: FaissIndex;
  readonly factory: string;
  readonly encoder: string;
  /** Passage id per row; null while every id is its row number (saves a string per row on wiki-18). */
  #ids: string[] | null;
  /** add / search / save run in call order, so a row's id is known before any search can return it. */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(faiss: FaissIndex, factory: string, encoder: string, ids: string[] | null) {
    this.faiss = faiss;
    this.factory = factory;
    this.encoder = encoder;
    this.#ids = ids;
  }

  /**
   * An empty index.
   *
   * @example
   * ```ts
   * import { DenseIndex } from '@s3lab/toolkit';
   * const index = DenseIndex.create({ dimension: 768, encoder: 'intfloat/e5-base-v2' });
   * ```
   */
  static create(options: DenseIndexOptions): DenseIndex {
    const { dimension, factory, metric, encoder } = createSchema.parse(options);
    return new DenseIndex(FaissIndex.create({ dimension, factory, metric }), factory, encoder, null);
  }

  /**
   * Loads an index saved by {@link DenseIndex.save} (or built by `buildDenseIndex`), checking
   * that the manifest, the FAISS file and the ids agree.
   *
   * @example
   * ```ts
   * import { DenseIndex } from '@s3lab/toolkit';
   * const index = await DenseIndex.load('indexes/lab-e5');
   * console.log(index.size, index.encoder);
   * ```
   */
  static async load(directory: string): Promise<DenseIndex> {
    const manifest = await readManifest(directory);
    if (!manifest) {
      const partial = await access(join(directory, '.partial')).then(() => true, () => false);
      throw new Error(`${directory} has no ${MANIFEST_FILE}: ${partial ? 'its build was interrupted; run the build again to finish it' : 'not a dense index directory'}`);
    }
    const faiss = await FaissIndex.read(join(directory, INDEX_FILE));
    const problems = [
      faiss.ntotal !== manifest.count && `the FAISS file has ${faiss.ntotal} rows, the manifest says ${manifest.count}`,
      faiss.dimension !== manifest.dimension && `the FAISS file has dimension ${faiss.dimension}, the manifest says ${manifest.dimension}`,
      faiss.metric !== manifest.metric && `the FAISS file uses ${faiss.metric}, the manifest says ${manifest.metric}`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${directory}: ${problems.join('; ')}`);
    const ids = manifest.idsAreRows ? null : await readIds(join(directory, IDS_FILE), manifest.count);
    return new DenseIndex(faiss, manifest.factory, manifest.encoder, ids);
  }

  /**
   * Wraps a bare FAISS file, such as s3's `e5_Flat.index` written by Python: row r is
   * passage `ids[r]`, or the corpus line r (id `String(r)`, wiki-18's numbering) without `ids`.
   *
   * @example
   * ```ts
   * import { DenseIndex } from '@s3lab/toolkit';
   * const index = await DenseIndex.fromFaissFile('e5_Flat.index', { encoder: 'intfloat/e5-base-v2' });
   * ```
   */
  static async fromFaissFile(path: string, options: { ids?: readonly string[]; encoder?: string; factory?: string } = {}): Promise<DenseIndex> {
    const faiss = await FaissIndex.read(path);
    const ids = options.ids ? [...options.ids] : null;
    if (ids && ids.length !== faiss.ntotal) throw new RangeError(`${path} has ${faiss.ntotal} rows but ${ids.length} ids were given`);
    if (ids) encodeIds(ids, 0); // validates them
    return new DenseIndex(faiss, options.factory ?? 'unknown (read from a FAISS file)', options.encoder ?? '', ids && idsAreRowNumbers(ids, 0) ? null : ids);
  }

  /** Rows in the index. */
  get size(): number {
    return this.faiss.ntotal;
  }

  get dimension(): number {
    return this.faiss.dimension;
  }

  get metric(): FaissMetric {
    return this.faiss.metric;
  }

  /** What the index was built with (what a resumed build must match). */
  get config(): DenseConfig {
    return { dimension: this.dimension, metric: this.metric, factory: this.factory, encoder: this.encoder };
  }

  /**
   * The passage id of `row`.
   *
   * @example
   * ```ts
   * console.log(index.idOf(0)); // e.g. '0'
   * ```
   */
  idOf(row: number): string {
    if (!Number.isInteger(row) || row < 0 || row >= this.size) throw new RangeError(`row ${row} is outside the index (0 … ${this.size - 1})`);
    return this.#ids ? (this.#ids[row] as string) : String(row);
  }

  /**
   * Trains the FAISS index on sample vectors (factories such as "IVF1024,Flat"; Flat needs none).
   *
   * @example
   * ```ts
   * import { DenseIndex } from '@s3lab/toolkit';
   * const index = DenseIndex.create({ dimension: 8, factory: 'IVF4,Flat' });
   * await index.train(Float32Array.from({ length: 8 * 200 }, Math.random));
   * ```
   */
  train(vectors: Float32Array): Promise<void> {
    return this.serial(() => this.faiss.train(vectors));
  }

  /**
   * Appends passages: `ids[i]` gets the vector at `vectors[i * dimension …]`.
   *
   * @example
   * ```ts
   * await index.add(['p1', 'p2'], packRows([v1, v2], index.dimension));
   * ```
   */
  add(ids: readonly string[], vectors: Float32Array): Promise<void> {
    return this.serial(() => this.addNow(ids, vectors));
  }

  private async addNow(ids: readonly string[], vectors: Float32Array): Promise<void> {
    if (!(vectors instanceof Float32Array)) throw new TypeError('vectors must be a Float32Array');
    if (vectors.length !== ids.length * this.dimension) {
      throw new RangeError(`${ids.length} ids need ${ids.length * this.dimension} floats (dimension ${this.dimension}); got ${vectors.length}`);
    }
    const first = this.size;
    encodeIds(ids, first); // validates before FAISS holds the vectors
    await this.faiss.add(vectors, ids.length);
    if (this.#ids === null && !idsAreRowNumbers(ids, first)) this.#ids = Array.from({ length: first }, (_, row) => String(row));
    if (this.#ids !== null) for (const id of ids) this.#ids.push(id);
  }

  /**
   * The `k` best rows for each of `nq` query vectors (row-major), best first. When the index
   * holds fewer than `k` rows, every row is returned; `k = 0` gives empty lists.
   *
   * @example
   * ```ts
   * const hits = await index.searchVectors(queryVectors, 2, 10); // hits[0][0] = { row, id, score }
   * ```
   */
  searchVectors(queries: Float32Array, nq: number, k: number): Promise<DenseMatch[][]> {
    return this.serial(() => this.searchNow(queries, nq, k));
  }

  private async searchNow(queries: Float32Array, nq: number, k: number): Promise<DenseMatch[][]> {
    checkSearchArguments(queries, nq, k, this.dimension);
    const kept = Math.min(k, this.size);
    if (nq === 0 || kept === 0) return Array.from({ length: nq }, () => []);
    const { distances, labels } = await this.faiss.search(queries, nq, kept);
    return Array.from({ length: nq }, (_, q) => {
      const hits: DenseMatch[] = [];
      for (let j = q * kept; j < (q + 1) * kept; j++) {
        const row = Number(labels[j]);
        if (row < 0) continue; // an approximate index found fewer than k
        hits.push({ row, id: this.idOf(row), score: distances[j] as number });
      }
      return hits;
    });
  }

  /**
   * Saves to `directory`: index.faiss, ids.txt (unless ids are row numbers), then manifest.json
   * (with `recorded.settings`, what else made the vectors, when given).
   *
   * @example
   * ```ts
   * await index.save('indexes/lab-e5');
   * const same = await DenseIndex.load('indexes/lab-e5');
   * ```
   */
  save(directory: string, recorded: Pick<DenseManifest, 'settings'> = {}): Promise<void> {
    return this.serial(() => this.saveNow(directory, recorded));
  }

  private async saveNow(directory: string, recorded: Pick<DenseManifest, 'settings'>): Promise<void> {
    await this.faiss.write(join(directory, INDEX_FILE));
    if (this.#ids !== null) {
      const bytes = encodeIds(this.#ids, 0);
      await writeFileAtomically(join(directory, IDS_FILE), (handle) => writeAll(handle, bytes));
    }
    const manifest: DenseManifest = { format: 's3lab-dense-index', version: 1, ...this.config, ...recorded, count: this.size, idsAreRows: this.#ids === null };
    await writeManifest(directory, manifest);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
