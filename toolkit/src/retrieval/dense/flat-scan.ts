/**
 * Exact top-k search over a flat embedding matrix in tfjs: the GPU alternative to FAISS
 * (through WebGPU when `S3LAB_DEVICE` resolves to it), and the way to search a flat index
 * larger than memory (s3's 61 GB `e5_Flat.index` on a 24 GB machine).
 *
 * The matrix is cut into shards of `shardRows` rows. Each shard's scores are one matrix
 * product (queries × shardᵀ; for L2, 2·q·x − |x|², which ranks as −|q − x|²) and one top-k;
 * the shards' candidates are merged by a last top-k, on the device, so one read-back ends
 * each block of queries. Shards stay on the device between searches when the whole matrix
 * fits `residentMiB`; otherwise every search streams them from the file, reading the next
 * shard while the device scores this one, so memory holds about two shards whatever the
 * index's size.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { matMul, tf, useTfjsBackend, type TfjsBackendName } from '../../models/tfjs/index.js';
import type { DenseMatch } from './dense-index.js';
import type { FaissMetric } from './faiss.js';
import { readFlatLayout, readFlatRows, type FlatFileLayout } from './flat-file.js';
import { checkSearchArguments } from './vectors.js';

/** What a dense retriever needs of an index: FAISS's `DenseIndex` and {@link FlatScanIndex} both are one. */
export interface VectorIndex {
  readonly dimension: number;
  readonly size: number;
  readonly metric: FaissMetric;
  idOf(row: number): string;
  searchVectors(queries: Float32Array, nq: number, k: number): Promise<DenseMatch[][]>;
}

/** Options of {@link FlatScanIndex.open} and {@link FlatScanIndex.fromVectors}. */
export interface FlatScanOptions {
  /** Rows per shard; default: 262,144 on WebGPU (0.75 GiB at 768 dimensions, under its 2 GiB binding limit), 65,536 on the CPU. */
  shardRows?: number;
  /** Keep every shard on the device when the matrix fits in this many MiB; default 32,768 on WebGPU, 1,024 on the CPU (WASM's heap ends at 4 GiB). */
  residentMiB?: number;
  /** Query rows scored together; default: as many as keep one block's score matrix at 64M floats. */
  queryBlock?: number;
  /** Passage id of each row; default: the row number (wiki-18's numbering). */
  ids?: readonly string[];
  /** tfjs backend; default: the one `S3LAB_DEVICE` resolves to. */
  backend?: TfjsBackendName;
}

const optionsSchema = z.object({
  shardRows: z.number().int().min(1).optional(),
  residentMiB: z.number().min(0).optional(),
  queryBlock: z.number().int().min(1).optional(),
});

/** Where the rows come from: an open flat file, or an array in memory. */
type RowSource = { kind: 'file'; handle: FileHandle; layout: FlatFileLayout } | { kind: 'memory'; vectors: Float32Array };

/** One shard on the device: its rows, and |x|² per row for L2. */
interface DeviceShard {
  first: number;
  rows: number;
  matrix: tf.Tensor2D;
  squaredNorms: tf.Tensor1D | undefined;
}

/**
 * @example
 * ```ts
 * import { FlatScanIndex } from '@s3lab/toolkit';
 * const index = await FlatScanIndex.open('wiki18/e5_Flat.index'); // streams when larger than residentMiB
 * const [hits] = await index.searchVectors(queryVector, 1, 3); // [{ row, id, score }, …]
 * index.dispose();
 * ```
 */
export class FlatScanIndex implements VectorIndex {
  readonly dimension: number;
  readonly size: number;
  readonly metric: FaissMetric;
  readonly shardRows: number;
  readonly queryBlock: number;
  /** The tfjs backend scoring the shards. */
  readonly backend: string;
  readonly #source: RowSource;
  readonly #ids: readonly string[] | undefined;
  /** The device shards when resident; undefined when every search streams them. */
  #resident: DeviceShard[] | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(source: RowSource, shape: { dimension: number; size: number; metric: FaissMetric }, settings: { shardRows: number; queryBlock: number; backend: string; ids: readonly string[] | undefined }) {
    this.#source = source;
    this.dimension = shape.dimension;
    this.size = shape.size;
    this.metric = shape.metric;
    this.shardRows = settings.shardRows;
    this.queryBlock = settings.queryBlock;
    this.backend = settings.backend;
    this.#ids = settings.ids;
  }

  /**
   * Opens a FAISS flat index file (`IndexFlatIP`/`IndexFlatL2`, as written by Python FAISS or
   * by s3lab). Its shards are uploaded now when it fits `residentMiB`, else streamed per search.
   *
   * @example
   * ```ts
   * import { FlatScanIndex } from '@s3lab/toolkit';
   * const index = await FlatScanIndex.open('indexes/lab-e5/index.faiss', { residentMiB: 0 }); // always stream
   * ```
   */
  static async open(path: string, options: FlatScanOptions = {}): Promise<FlatScanIndex> {
    const layout = await readFlatLayout(path);
    const handle = await open(path, 'r');
    try {
      return await FlatScanIndex.create({ kind: 'file', handle, layout }, layout, options);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * An index over `vectors` (row-major, `dimension` floats per row) in memory.
   *
   * @example
   * ```ts
   * import { FlatScanIndex } from '@s3lab/toolkit';
   * const index = await FlatScanIndex.fromVectors(new Float32Array([1, 0, 0, 1]), { dimension: 2 });
   * const [hits] = await index.searchVectors(new Float32Array([0.2, 0.9]), 1, 1); // [{ row: 1, id: '1', score: 0.9 }]
   * ```
   */
  static async fromVectors(vectors: Float32Array, options: FlatScanOptions & { dimension: number; metric?: FaissMetric }): Promise<FlatScanIndex> {
    const dimension = z.number().int().min(1).parse(options.dimension);
    if (!(vectors instanceof Float32Array) || vectors.length % dimension !== 0) {
      throw new RangeError(`vectors must be a Float32Array of whole rows of dimension ${dimension}; got ${vectors.length} floats`);
    }
    // Rows from a file are trusted as FAISS trusts them; rows handed in are checked once here.
    for (let i = 0; i < vectors.length; i++) {
      if (!Number.isFinite(vectors[i])) throw new RangeError(`row ${Math.floor(i / dimension)} has a non-finite value at column ${i % dimension}`);
    }
    return FlatScanIndex.create({ kind: 'memory', vectors }, { dimension, count: vectors.length / dimension, metric: options.metric ?? 'inner_product' }, options);
  }

  private static async create(source: RowSource, shape: { dimension: number; count: number; metric: FaissMetric }, options: FlatScanOptions): Promise<FlatScanIndex> {
    const settings = optionsSchema.parse(options);
    await useTfjsBackend(options.backend);
    const backend = tf.getBackend();
    const onGpu = backend === 'webgpu';
    const shardRows = Math.min(settings.shardRows ?? (onGpu ? 262_144 : 65_536), Math.max(shape.count, 1));
    const queryBlock = settings.queryBlock ?? Math.max(1, Math.floor((64 * 2 ** 20) / shardRows));
    if (options.ids && options.ids.length !== shape.count) throw new RangeError(`${shape.count} rows but ${options.ids.length} ids were given`);
    const index = new FlatScanIndex(source, { dimension: shape.dimension, size: shape.count, metric: shape.metric }, { shardRows, queryBlock, backend, ids: options.ids });
    const residentBytes = (settings.residentMiB ?? (onGpu ? 32_768 : 1_024)) * 2 ** 20;
    if (shape.count * shape.dimension * 4 <= residentBytes) {
      const shards: DeviceShard[] = [];
      for await (const shard of index.streamShards()) shards.push(shard);
      index.#resident = shards;
    }
    return index;
  }

  /** Whether the shards stay on the device between searches. */
  get resident(): boolean {
    return this.#resident !== undefined;
  }

  idOf(row: number): string {
    if (!Number.isInteger(row) || row < 0 || row >= this.size) throw new RangeError(`row ${row} is outside the index (0 … ${this.size - 1})`);
    return this.#ids ? (this.#ids[row] as string) : String(row);
  }

  /**
   * The `k` best rows for each of `nq` query vectors (row-major), best first: inner products,
   * or squared L2 distances, as FAISS reports them. Fewer than `k` when the index holds fewer.
   *
   * @example
   * ```ts
   * const hits = await index.searchVectors(queries, 2, 10); // hits[1][0] = { row, id, score }
   * ```
   */
  searchVectors(queries: Float32Array, nq: number, k: number): Promise<DenseMatch[][]> {
    const result = this.#tail.then(() => this.searchNow(queries, nq, k));
    this.#tail = result.catch(() => undefined);
    return result;
  }

  private async searchNow(queries: Float32Array, nq: number, k: number): Promise<DenseMatch[][]> {
    checkSearchArguments(queries, nq, k, this.dimension);
    for (let i = 0; i < queries.length; i++) {
      if (!Number.isFinite(queries[i])) throw new RangeError(`query ${Math.floor(i / this.dimension)} has a non-finite value at column ${i % this.dimension}`);
    }
    const kept = Math.min(k, this.size);
    if (nq === 0 || kept === 0) return Array.from({ length: nq }, () => []);

    // Candidates per query block, [block, kept] values and global rows, merged shard by shard.
    const blocks: Array<{ first: number; rows: number; query: tf.Tensor2D; values: tf.Tensor2D | undefined; indices: tf.Tensor2D | undefined }> = [];
    for (let first = 0; first < nq; first += this.queryBlock) {
      const rows = Math.min(this.queryBlock, nq - first);
      blocks.push({ first, rows, query: tf.tensor2d(queries.subarray(first * this.dimension, (first + rows) * this.dimension), [rows, this.dimension]), values: undefined, indices: undefined });
    }
    try {
      const shards = this.#resident ?? this.streamShards();
      for await (const shard of shards) {
        for (const block of blocks) {
          const [values, indices] = tf.tidy(() => this.mergeShard(block.query, shard, kept, block.values, block.indices));
          block.values?.dispose();
          block.indices?.dispose();
          block.values = values;
          block.indices = indices;
        }
        if (!this.#resident) disposeShard(shard);
      }
      const out: DenseMatch[][] = [];
      for (const block of blocks) {
        const [values, indices] = await Promise.all([(block.values as tf.Tensor2D).data(), (block.indices as tf.Tensor2D).data()]);
        for (let q = 0; q < block.rows; q++) {
          const hits: DenseMatch[] = [];
          for (let j = q * kept; j < (q + 1) * kept; j++) {
            const row = indices[j] as number;
            // Scores were ranked as "higher is better"; L2 distances are |q|² − (2·q·x − |x|²).
            const score = this.metric === 'l2' ? squaredNorm(queries, block.first + q, this.dimension) - (values[j] as number) : (values[j] as number);
            hits.push({ row, id: this.idOf(row), score });
          }
          out.push(hits);
        }
      }
      return out;
    } finally {
      for (const block of blocks) {
        block.query.dispose();
        block.values?.dispose();
        block.indices?.dispose();
      }
    }
  }

  /** This shard's best `k` for a query block, merged with the candidates so far (inside tidy). */
  private mergeShard(query: tf.Tensor2D, shard: DeviceShard, k: number, values: tf.Tensor2D | undefined, indices: tf.Tensor2D | undefined): [tf.Tensor2D, tf.Tensor2D] {
    // WASM multiplies fast only without transposed operands (see models/tfjs/matmul.ts), so
    // there the small query block is transposed rather than the shard: (shard · queryᵀ)ᵀ.
    let scores: tf.Tensor2D = tf.getBackend() === 'wasm'
      ? (tf.transpose(matMul(shard.matrix, query, false, true)) as tf.Tensor2D)
      : tf.matMul(query, shard.matrix, false, true);
    if (shard.squaredNorms) scores = tf.sub(tf.mul(scores, 2), shard.squaredNorms) as tf.Tensor2D;
    const local = topkOfRows(scores, Math.min(k, shard.rows));
    const rows = tf.add(local.indices, tf.scalar(shard.first, 'int32')) as tf.Tensor2D;
    if (!values || !indices) return [local.values as tf.Tensor2D, rows];
    // Earlier shards first, so that ties keep the lower row, as FAISS does.
    const allValues = tf.concat([values, local.values as tf.Tensor2D], 1);
    const allRows = tf.concat([indices, rows], 1);
    const best = tf.topk(allValues, k);
    return [best.values as tf.Tensor2D, gatherInRows(allRows, best.indices as tf.Tensor2D)];
  }

  /** The shards in order, uploaded one at a time; the next one is read while this one is used. */
  private async *streamShards(): AsyncGenerator<DeviceShard> {
    const starts: number[] = [];
    for (let first = 0; first < this.size; first += this.shardRows) starts.push(first);
    let next = starts.length > 0 ? this.readRows(starts[0] as number) : undefined;
    for (let i = 0; i < starts.length; i++) {
      const first = starts[i] as number;
      const rows = await (next as Promise<Float32Array>);
      next = i + 1 < starts.length ? this.readRows(starts[i + 1] as number) : undefined;
      yield this.upload(first, rows);
    }
  }

  private readRows(first: number): Promise<Float32Array> {
    const rows = Math.min(this.shardRows, this.size - first);
    const source = this.#source;
    if (source.kind === 'memory') return Promise.resolve(source.vectors.subarray(first * this.dimension, (first + rows) * this.dimension));
    return readFlatRows(source.handle, source.layout, first, rows);
  }

  private upload(first: number, data: Float32Array): DeviceShard {
    const rows = data.length / this.dimension;
    const matrix = tf.tensor2d(data, [rows, this.dimension]);
    const squaredNorms = this.metric === 'l2' ? tf.tidy(() => tf.sum(tf.square(matrix), 1) as tf.Tensor1D) : undefined;
    return { first, rows, matrix, squaredNorms };
  }

  /** Frees the device shards and closes the file. */
  async dispose(): Promise<void> {
    await this.#tail;
    for (const shard of this.#resident ?? []) disposeShard(shard);
    this.#resident = undefined;
    if (this.#source.kind === 'file') await this.#source.handle.close();
  }
}

/** Columns a group holds in {@link topkOfRows}'s first stage. */
const GROUP = 256;

/**
 * `tf.topk` of each row, in two stages when rows are long: tfjs's top-k sorts whole rows (a
 * bitonic network on WebGPU, log² passes over all 262,144 scores of a shard), which cost more
 * than the matrix product itself. Instead, take the maximum of each group of 256 columns, the
 * k groups with the largest maxima, and the top k of those k·256 candidates. Exact: each of
 * the row's k best values lies in a group whose maximum is among the k largest maxima.
 */
function topkOfRows(scores: tf.Tensor2D, k: number): { values: tf.Tensor2D; indices: tf.Tensor2D } {
  const [rows, columns] = scores.shape;
  const groups = Math.ceil(columns / GROUP);
  if (groups < 4 * k) return tf.topk(scores, k) as { values: tf.Tensor2D; indices: tf.Tensor2D };
  const padded = groups * GROUP === columns ? scores : tf.pad(scores, [[0, 0], [0, groups * GROUP - columns]], -3.4e38);
  const grouped = tf.reshape(padded, [rows, groups, GROUP]);
  const bestGroups = tf.topk(tf.max(grouped, 2) as tf.Tensor2D, k).indices as tf.Tensor2D; // [rows, k]
  const candidates = tf.reshape(gatherInRows(tf.reshape(grouped, [rows, groups * GROUP]) as tf.Tensor2D, bestGroups, GROUP), [rows, k * GROUP]) as tf.Tensor2D;
  const best = tf.topk(candidates, k);
  // Candidate c is column (group of c / GROUP) · GROUP + c mod GROUP.
  const candidateColumns = tf.reshape(tf.add(tf.reshape(tf.mul(bestGroups, tf.scalar(GROUP, 'int32')), [rows, k, 1]), tf.range(0, GROUP, 1, 'int32')), [rows, k * GROUP]) as tf.Tensor2D;
  return { values: best.values as tf.Tensor2D, indices: gatherInRows(candidateColumns, best.indices as tf.Tensor2D) };
}

/**
 * Row r of the result holds `source[r][picks[r][j]]` (with `span` > 1: the `span` columns
 * starting at picks[r][j]·span). Done on a flattened source rather than with gather's
 * batchDims, which tfjs's WASM backend (4.22) gets wrong (it ignores the batch).
 */
function gatherInRows(source: tf.Tensor2D, picks: tf.Tensor2D, span = 1): tf.Tensor2D {
  const [rows, width] = source.shape;
  const picked = picks.shape[1];
  const units = width / span;
  const offsets = tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(units, 'int32')), [rows, 1]);
  const flatPicks = tf.reshape(tf.add(picks, offsets), [-1]);
  const gathered = tf.gather(tf.reshape(source, [rows * units, span]), flatPicks);
  return tf.reshape(gathered, [rows, picked * span]) as tf.Tensor2D;
}

function disposeShard(shard: DeviceShard): void {
  shard.matrix.dispose();
  shard.squaredNorms?.dispose();
}

function squaredNorm(vectors: Float32Array, row: number, dimension: number): number {
  let sum = 0;
  for (let i = row * dimension; i < (row + 1) * dimension; i++) sum += (vectors[i] as number) ** 2;
  return sum;
}
