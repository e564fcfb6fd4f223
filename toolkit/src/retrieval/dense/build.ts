/**
 * Builds a dense index in a directory from batches of vectors, resumably: every batch is
 * committed to a checkpoint (see `checkpoint.ts`), and running the same build again after
 * an interruption (an error, an abort, kill -9) continues where the last commit left off.
 */
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { otherSettingsError, type RunSettings } from '../../core/run-settings.js';
import { BuildCheckpoint, PARTIAL_DIR } from './checkpoint.js';
import { DenseIndex, type DenseIndexOptions } from './dense-index.js';
import type { ResumePoint } from './encode.js';
import { configDifferences, IDS_FILE, INDEX_FILE, MANIFEST_FILE, readManifest, writeManifest, type DenseConfig } from './manifest.js';
import { writeFlatIndexFile } from './flat-file.js';
import type { VectorIndex } from './flat-scan.js';
import { encodeIds, idsAreRowNumbers } from './ids-file.js';
import { openVectorIndex } from './open-vector-index.js';
import { packBatch, type DenseBatch, type PackedBatch } from './vectors.js';

/**
 * Batches of `{id, vector}`: an iterable that starts at the first passage every time (rows
 * already in the checkpoint are skipped, their ids checked), or a function that starts
 * where the checkpoint ends (so that skipped passages cost nothing; see `encodePassages`).
 */
export type DenseSource =
  | AsyncIterable<DenseBatch>
  | Iterable<DenseBatch>
  | ((resume: ResumePoint) => AsyncIterable<DenseBatch> | Iterable<DenseBatch>);

/** Reported after every committed batch. */
export interface DenseBuildProgress {
  /** Rows in the index so far. */
  done: number;
  /** Rows that came from the checkpoint (0 for a fresh build). */
  resumedFrom: number;
  /** `options.total`, when given. */
  total: number | undefined;
  /** Since this run started. */
  seconds: number;
  /** Rows added by this run per second. */
  rowsPerSecond: number;
}

/** Options of {@link buildDenseIndex}. */
export interface DenseBuildOptions extends DenseIndexOptions {
  /** Where the index goes (index.faiss, ids.txt, manifest.json) and its checkpoint (.partial/) meanwhile. */
  directory: string;
  /** Rows between commits; 0 (default) commits after every batch, so a kill loses at most one. */
  checkpointEvery?: number;
  /** For factories that need training (IVF, PQ): train on the first this many vectors; default 65536. */
  trainingSize?: number;
  /** Passages expected in all, for progress. */
  total?: number;
  onProgress?: (progress: DenseBuildProgress) => void;
  /** Stops after the current batch, commits, and rejects with the signal's reason; run again to resume. */
  signal?: AbortSignal;
  /**
   * Open the finished index for search (default true). `false` resolves to its size only: a
   * Flat build then never holds its vectors in memory (what `s3lab index dense` does).
   */
  open?: boolean;
  /**
   * What else makes the vectors (the corpus, the encoder's maximum length and prefixes, its batch
   * size): recorded in the checkpoint and the manifest, and a resume or a finished index with other
   * settings is refused, as one with another encoder or factory is.
   */
  settings?: RunSettings;
  /** Start over: delete the finished index or checkpoint in `directory` first (one built differently is refused otherwise). */
  force?: boolean;
}

const buildSchema = z.object({
  directory: z.string().min(1),
  dimension: z.number().int().min(1),
  factory: z.string().min(1).default('Flat'),
  metric: z.enum(['inner_product', 'l2']).default('inner_product'),
  encoder: z.string().default(''),
  checkpointEvery: z.number().int().min(0).default(0),
  trainingSize: z.number().int().min(1).default(65_536),
  total: z.number().int().min(0).optional(),
});

/** Rows read back from the checkpoint per FAISS add when resuming. */
const REPLAY_ROWS = 16_384;

/**
 * Builds (or finishes, or just opens) the dense index in `options.directory`.
 * A directory that already holds a finished index with the same settings is loaded as is.
 *
 * @example
 * ```ts
 * import { buildDenseIndex } from '@s3lab/toolkit';
 * async function* batches() {
 *   yield [{ id: 'a', vector: new Float32Array([1, 0]) }, { id: 'b', vector: new Float32Array([0, 1]) }];
 * }
 * const index = await buildDenseIndex(batches(), { directory: '/tmp/toy-index', dimension: 2, onProgress: (p) => console.log(p.done) });
 * console.log(index.size); // 2
 * ```
 */
export async function buildDenseIndex(source: DenseSource, options: DenseBuildOptions & { open: false }): Promise<{ size: number }>;
export async function buildDenseIndex(source: DenseSource, options: DenseBuildOptions): Promise<VectorIndex>;
export async function buildDenseIndex(source: DenseSource, options: DenseBuildOptions): Promise<VectorIndex | { size: number }> {
  const settings = buildSchema.parse(options);
  const config: DenseConfig = { dimension: settings.dimension, metric: settings.metric, factory: settings.factory, encoder: settings.encoder, ...(options.settings ? { settings: options.settings } : {}) };
  // Only what a build writes: the directory may hold other files (retriever.json, a README).
  if (options.force) for (const name of [PARTIAL_DIR, INDEX_FILE, IDS_FILE, MANIFEST_FILE]) await rm(join(settings.directory, name), { recursive: true, force: true });
  const finished = await openFinished(settings.directory, config, options.open !== false);
  if (finished) return finished;

  const checkpoint = await BuildCheckpoint.open(settings.directory, config);
  if (config.factory === 'Flat') return buildFlat(source, settings, options, checkpoint);
  try {
    const index = await restore(checkpoint, config);
    const appended = committer(checkpoint, settings, options);
    let untrained: PackedBatch[] | null = index.faiss.isTrained ? null : [];

    const addBatch = async (batch: PackedBatch) => {
      await index.add(batch.ids, batch.vectors); // first: FAISS rejects bad vectors before they reach the checkpoint
      await checkpoint.append(batch.ids, batch.vectors);
      await appended(batch.ids.length);
    };
    // Factories that learn from data: hold the first batches until there are enough to train on.
    const trainOn = async (batches: PackedBatch[]) => {
      const rows = batches.reduce((sum, b) => sum + b.ids.length, 0);
      const sample = new Float32Array(rows * config.dimension);
      let offset = 0;
      for (const b of batches) {
        sample.set(b.vectors, offset);
        offset += b.vectors.length;
      }
      await index.train(sample);
      await index.faiss.write(checkpoint.trainedIndexPath);
      await checkpoint.markTrained();
      untrained = null;
      for (const b of batches) await addBatch(b);
    };

    for await (const raw of startAt(source, index, config.dimension)) {
      const batch = packBatch(raw, config.dimension);
      if (batch.ids.length === 0) continue;
      if (untrained) {
        untrained.push(batch);
        if (untrained.reduce((sum, b) => sum + b.ids.length, 0) >= settings.trainingSize) await trainOn(untrained);
      } else {
        await addBatch(batch);
      }
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('the build was aborted');
    }
    if (untrained && (untrained as PackedBatch[]).length > 0) await trainOn(untrained);
    await checkpoint.commit();
    await index.save(settings.directory, config.settings ? { settings: config.settings } : {});
    await checkpoint.remove();
    return index;
  } catch (error) {
    // Whole batches appended before the failure are kept: commit them, then let the caller see the error.
    await checkpoint.commit().catch(() => undefined);
    await checkpoint.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A Flat build in bounded memory: batches go to the checkpoint only (no FAISS index grows in
 * memory: wiki-18's would be 61 GB), and the finished FAISS file is written from the
 * checkpoint's vectors in one streaming pass. What it returns is opened as `openVectorIndex`
 * decides (FAISS when it fits in memory).
 */
async function buildFlat(source: DenseSource, settings: z.output<typeof buildSchema>, options: DenseBuildOptions, checkpoint: BuildCheckpoint): Promise<VectorIndex | { size: number }> {
  const { dimension } = checkpoint.config;
  try {
    const resumedFrom = checkpoint.count;
    // Read only to check a resumed source against what the checkpoint holds.
    const committedIds = resumedFrom > 0 ? await checkpoint.committedIds() : [];
    const idOf = (row: number): string => committedIds[row] as string;
    let idsAreRows = idsAreRowNumbers(committedIds, 0);
    const appended = committer(checkpoint, settings, options);
    let row = resumedFrom;
    for await (const raw of startAt(source, { size: resumedFrom, idOf }, dimension)) {
      const batch = packBatch(raw, dimension);
      if (batch.ids.length === 0) continue;
      checkFinite(batch.vectors, dimension, row);
      encodeIds(batch.ids, row); // validates the ids before they reach the checkpoint
      idsAreRows &&= idsAreRowNumbers(batch.ids, row);
      await checkpoint.append(batch.ids, batch.vectors);
      row += batch.ids.length;
      await appended(batch.ids.length);
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('the build was aborted');
    }
    await checkpoint.commit();
    await writeFlatIndexFile(join(settings.directory, INDEX_FILE), { dimension, metric: settings.metric, count: checkpoint.count }, checkpoint.committedVectors(REPLAY_ROWS));
    if (!idsAreRows) await copyFile(checkpoint.idsPath, join(settings.directory, IDS_FILE));
    await writeManifest(settings.directory, { format: 's3lab-dense-index', version: 1, ...checkpoint.config, count: checkpoint.count, idsAreRows });
    const size = checkpoint.count;
    await checkpoint.remove();
    return options.open === false ? { size } : await openVectorIndex(settings.directory);
  } catch (error) {
    await checkpoint.commit().catch(() => undefined);
    await checkpoint.close().catch(() => undefined);
    throw error;
  }
}

/**
 * What both builds do after appending rows to the checkpoint: commit once `checkpointEvery`
 * rows have gathered since the last commit, and report progress at each commit.
 */
function committer(checkpoint: BuildCheckpoint, settings: z.output<typeof buildSchema>, options: DenseBuildOptions): (rows: number) => Promise<void> {
  const resumedFrom = checkpoint.count;
  const started = performance.now();
  let sinceCommit = 0;
  return async (rows) => {
    sinceCommit += rows;
    if (sinceCommit < settings.checkpointEvery) return;
    await checkpoint.commit();
    sinceCommit = 0;
    const seconds = (performance.now() - started) / 1000;
    options.onProgress?.({ done: checkpoint.count, resumedFrom, total: settings.total, seconds, rowsPerSecond: (checkpoint.count - resumedFrom) / seconds });
  };
}

/** FAISS rejects non-finite vectors; the Flat build, which skips FAISS, rejects them the same way. */
function checkFinite(vectors: Float32Array, dimension: number, firstRow: number): void {
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i])) throw new RangeError(`row ${firstRow + Math.floor(i / dimension)} has a non-finite value (${vectors[i]}) at column ${i % dimension}`);
  }
}

/** The finished index in `directory` when it has one with `config`; throws if it holds a different one. */
async function openFinished(directory: string, config: DenseConfig, load: boolean): Promise<VectorIndex | { size: number } | undefined> {
  const manifest = await readManifest(directory);
  if (!manifest) return undefined;
  const differences = configDifferences(manifest, config);
  if (differences.length > 0) throw otherSettingsError(directory, 'a dense index', differences);
  // A crash between saving the index and deleting the checkpoint leaves both; the index wins.
  await rm(join(directory, PARTIAL_DIR), { recursive: true, force: true });
  return load ? openVectorIndex(directory) : { size: manifest.count };
}

/** A DenseIndex holding the checkpoint's committed rows. */
async function restore(checkpoint: BuildCheckpoint, config: DenseConfig): Promise<DenseIndex> {
  const index = checkpoint.trained
    ? await DenseIndex.fromFaissFile(checkpoint.trainedIndexPath, { factory: config.factory, encoder: config.encoder })
    : DenseIndex.create(config);
  if (!index.faiss.isTrained && checkpoint.count > 0) throw new Error(`${checkpoint.directory} has rows but no trained index; delete it to start over`);
  const ids = await checkpoint.committedIds();
  let row = 0;
  for await (const chunk of checkpoint.committedVectors(REPLAY_ROWS)) {
    const rows = chunk.length / config.dimension;
    await index.add(ids.slice(row, row + rows), chunk);
    row += rows;
  }
  return index;
}

/** The source's batches from the end of what `index` holds (the checkpoint's rows) on. */
async function* startAt(source: DenseSource, index: Pick<DenseIndex, 'size' | 'idOf'>, dimension: number): AsyncGenerator<DenseBatch> {
  const done = index.size;
  const idOf = (row: number) => index.idOf(row);
  if (typeof source === 'function') {
    yield* source({ done, idOf });
    return;
  }
  let row = 0;
  for await (const raw of source) {
    const batch = packBatch(raw, dimension);
    const skip = Math.min(Math.max(done - row, 0), batch.ids.length);
    for (let i = 0; i < skip; i++) {
      if (batch.ids[i] !== idOf(row + i)) {
        throw new Error(`row ${row + i} has id ${JSON.stringify(batch.ids[i])}, but the checkpoint has ${JSON.stringify(idOf(row + i))} there: not the input the build started with`);
      }
    }
    row += batch.ids.length;
    if (skip === batch.ids.length) continue;
    yield skip === 0 ? batch : { ids: batch.ids.slice(skip), vectors: batch.vectors.subarray(skip * dimension) };
  }
  if (row < done) throw new Error(`the input has ${row} rows, but the checkpoint already holds ${done}: not the input the build started with`);
}
