/**
 * The resumable state of a dense index build, in `<dir>/.partial/`:
 *
 * ```
 * vectors.f32     every committed vector, float32 little-endian, row-major (append-only)
 * ids.txt         the id of every committed row, one per line (append-only)
 * trained.faiss   the trained, empty FAISS index, for factories that need training
 * state.json      {config, count, idsBytes, trained}: the commit record
 * ```
 *
 * Why vectors and not the partial FAISS index: appending a batch costs the batch, while
 * rewriting the index at every checkpoint costs everything so far (64 GB per checkpoint for
 * Flat on wiki-18). A commit appends and flushes the data files, then replaces state.json
 * atomically; bytes past the committed lengths (a batch cut off by kill -9) are truncated
 * on the next open. So a kill loses at most the batches since the last commit.
 */
import { mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../core/json-file.js';
import { DataFormatError } from '../../core/problems.js';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import { otherSettingsError } from '../../core/run-settings.js';
import { encodeIds } from './ids-file.js';
import { configDifferences, denseConfigSchema, type DenseConfig } from './manifest.js';

export const PARTIAL_DIR = '.partial';
const VECTORS = 'vectors.f32';
const IDS = 'ids.txt';
const STATE = 'state.json';
const TRAINED = 'trained.faiss';

const stateSchema = z.object({
  format: z.literal('s3lab-dense-checkpoint'),
  version: z.literal(1),
  config: denseConfigSchema,
  /** Committed rows. */
  count: z.number().int().min(0),
  /** Committed bytes of ids.txt. */
  idsBytes: z.number().int().min(0),
  /** Whether trained.faiss holds the trained empty index. */
  trained: z.boolean(),
});
type CheckpointState = z.output<typeof stateSchema>;

/** The open checkpoint of one build. */
export class BuildCheckpoint {
  readonly directory: string;
  readonly config: DenseConfig;
  #state: CheckpointState;
  #vectors: FileHandle;
  #idsFile: FileHandle;
  /** Rows and id bytes appended since the last commit. */
  #pendingRows = 0;
  #pendingIdsBytes = 0;

  private constructor(directory: string, state: CheckpointState, vectors: FileHandle, idsFile: FileHandle) {
    this.directory = directory;
    this.config = state.config;
    this.#state = state;
    this.#vectors = vectors;
    this.#idsFile = idsFile;
  }

  /**
   * Opens the checkpoint under `indexDirectory`, resuming the committed rows if one exists
   * (its config must equal `config`), or starting an empty one.
   */
  static async open(indexDirectory: string, config: DenseConfig): Promise<BuildCheckpoint> {
    const directory = join(indexDirectory, PARTIAL_DIR);
    await mkdir(directory, { recursive: true });
    const state = (await readState(directory)) ?? { format: 's3lab-dense-checkpoint', version: 1, config, count: 0, idsBytes: 0, trained: false } satisfies CheckpointState;
    const differences = configDifferences(state.config, config);
    if (differences.length > 0) throw otherSettingsError(indexDirectory, 'the checkpoint of a dense index build', differences);
    const vectorBytes = state.count * config.dimension * 4;
    const vectors = await openTruncated(join(directory, VECTORS), vectorBytes);
    const idsFile = await openTruncated(join(directory, IDS), state.idsBytes);
    return new BuildCheckpoint(directory, state, vectors, idsFile);
  }

  /** Committed rows. */
  get count(): number {
    return this.#state.count;
  }

  /** Whether trained.faiss holds the trained, empty index. */
  get trained(): boolean {
    return this.#state.trained;
  }

  /** ids.txt of the committed rows (one id per line, as a finished index's ids.txt). */
  get idsPath(): string {
    return join(this.directory, IDS);
  }

  /** Where the trained, empty FAISS index is kept. */
  get trainedIndexPath(): string {
    return join(this.directory, TRAINED);
  }

  /** Records that trained.faiss has been written (commits at once). */
  async markTrained(): Promise<void> {
    await this.commit({ trained: true });
  }

  /** Appends rows after the committed (and pending) ones; durable only after {@link commit}. */
  async append(ids: readonly string[], vectors: Float32Array): Promise<void> {
    const first = this.#state.count + this.#pendingRows;
    const idBytes = encodeIds(ids, first);
    const vectorBytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    await writeAt(this.#vectors, vectorBytes, first * this.config.dimension * 4);
    await writeAt(this.#idsFile, idBytes, this.#state.idsBytes + this.#pendingIdsBytes);
    this.#pendingRows += ids.length;
    this.#pendingIdsBytes += idBytes.length;
  }

  /** Makes the appended rows durable: flush the data files, then replace state.json. */
  async commit(change: Partial<Pick<CheckpointState, 'trained'>> = {}): Promise<void> {
    await this.#vectors.sync();
    await this.#idsFile.sync();
    const next: CheckpointState = {
      ...this.#state,
      ...change,
      count: this.#state.count + this.#pendingRows,
      idsBytes: this.#state.idsBytes + this.#pendingIdsBytes,
    };
    const text = `${JSON.stringify(next)}\n`;
    await writeFileAtomically(join(this.directory, STATE), (handle) => writeAll(handle, Buffer.from(text)));
    this.#state = next;
    this.#pendingRows = 0;
    this.#pendingIdsBytes = 0;
  }

  /** The ids of the committed rows (read when resuming; the builder keeps them in the index, not here). */
  async committedIds(): Promise<string[]> {
    const file = join(this.directory, IDS);
    const text = await readFile(file, 'utf8'); // cut to the committed bytes when opened
    const ids = text.length === 0 ? [] : text.slice(0, -1).split('\n');
    if (ids.length < this.#state.count) {
      throw new DataFormatError({ file, line: ids.length, reason: `${ids.length} ids, but ${STATE} commits ${this.#state.count} rows` });
    }
    return ids.slice(0, this.#state.count);
  }

  /** The committed vectors, `rowsPerChunk` rows at a time, to rebuild the FAISS index on resume. */
  async *committedVectors(rowsPerChunk: number): AsyncGenerator<Float32Array> {
    const rowBytes = this.config.dimension * 4;
    for (let row = 0; row < this.#state.count; row += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, this.#state.count - row);
      const chunk = new Float32Array(rows * this.config.dimension);
      const bytes = new Uint8Array(chunk.buffer);
      let read = 0;
      while (read < bytes.length) {
        const { bytesRead } = await this.#vectors.read(bytes, read, bytes.length - read, row * rowBytes + read);
        if (bytesRead === 0) throw new DataFormatError({ file: join(this.directory, VECTORS), row: row, reason: 'file ends before the committed rows' });
        read += bytesRead;
      }
      yield chunk;
    }
  }

  async close(): Promise<void> {
    await this.#vectors.close();
    await this.#idsFile.close();
  }

  /** Closes and deletes the checkpoint (after the finished index is saved). */
  async remove(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.directory, { recursive: true, force: true });
  }
}

/** The commit record in `directory`, or undefined if none was committed yet. */
async function readState(directory: string): Promise<CheckpointState | undefined> {
  const file = join(directory, STATE);
  return readJsonFile(file, stateSchema);
}

/** Opens `path` for reading and writing, cut to `length` bytes (dropping what no commit covers). */
async function openTruncated(path: string, length: number): Promise<FileHandle> {
  const handle = await open(path, 'a+').then((h) => h.close()).then(() => open(path, 'r+'));
  const { size } = await handle.stat();
  if (size < length) {
    await handle.close();
    throw new DataFormatError({ file: path, row: 0, reason: `${size} bytes, but the checkpoint committed ${length}; the checkpoint is damaged, delete it to start over` });
  }
  if (size > length) await handle.truncate(length);
  return handle;
}

async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}
