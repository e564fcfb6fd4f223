/**
 * Parquet rows, read one row group at a time (hyparquet) and written one row group at a
 * time (hyparquet-writer), so memory is bounded by the row-group size, not the file.
 */
import type { FileHandle } from 'node:fs/promises';
import { ByteWriter, parquetWriteRows } from 'hyparquet-writer';
import type { z } from 'zod';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import { DataFormatError, describeZodIssues } from '../../core/problems.js';
import { RecordStream, type RawRecord, type ReadOptions } from '../../core/record-stream.js';
import { DEFAULT_DECODE_LIMITS, RowGroupDecoder, type DecodeLimits } from './parquet-decoder.js';
import { TRAINING_PARQUET_SCHEMA, TRAINING_ROW_COLUMNS, toParquetRow, trainingRowSchema, type TrainingRow, type TrainingRowInput } from './training-row.js';

/** Options of {@link readParquet}. */
export interface ReadParquetOptions extends ReadOptions {
  /** Top-level columns to read (all when omitted); the schema sees only these. */
  columns?: string[];
  /**
   * Time and memory a row group may take to decode (default 60 s and 4 GiB, far above what a
   * sound file needs); a damaged file that exceeds them fails with a `DataFormatError`.
   */
  decodeLimits?: Partial<DecodeLimits>;
}

/** Options of {@link writeTrainingParquet}. */
export interface WriteParquetOptions {
  /** Rows per row group (default 10,000): the unit a reader holds in memory. */
  rowGroupSize?: number;
  /** Compression (default `'SNAPPY'`, as pyarrow). */
  codec?: 'SNAPPY' | 'UNCOMPRESSED';
}

// pandas stores a non-default index as extra columns named so; it is not data.
const PANDAS_INDEX_COLUMN = /^__index_level_\d+__$/;
const DEFAULT_ROW_GROUP_SIZE = 10_000;

/**
 * Streams the rows of a parquet file, validated with `schema`. Nested values come back
 * as plain objects and arrays (structs, lists, in any of the list layouts pyarrow,
 * DuckDB or Spark write); int64 values within the safe-integer range become numbers;
 * pandas index columns (`__index_level_0__`) are dropped. A row that fails the schema
 * throws a `DataFormatError` with file, 0-based row and reason, or goes to the `onError`
 * callback (see {@link readJsonl}). A damaged file fails with an `InputError` (its footer) or a
 * `DataFormatError` naming the row group; decoding runs in a worker thread, within
 * `decodeLimits`, so no file can hang or exhaust the process.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { readParquet } from '@s3lab/toolkit';
 * const stream = readParquet('/tmp/train.parquet', z.object({ data_source: z.string() }), { columns: ['data_source'] });
 * for await (const { data_source } of stream) console.log(data_source);
 * ```
 */
export function readParquet<S extends z.ZodType>(path: string, schema: S, options: ReadParquetOptions = {}): RecordStream<z.output<S>> {
  const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...options.decodeLimits };
  return new RecordStream<z.output<S>>(path, 'row', () => readRowGroups(path, options.columns, limits), schema as z.ZodType<z.output<S>>, options.onError);
}

/**
 * Streams the rows of a Search-R1/s3 training or test parquet file (see
 * {@link trainingRowSchema} for what is accepted and how it is normalised).
 *
 * @example
 * ```ts
 * import { readTrainingParquet } from '@s3lab/toolkit';
 * for await (const row of readTrainingParquet('/tmp/train.parquet')) {
 *   console.log(row.reward_model.ground_truth.question, row.reward_model.ground_truth.target);
 * }
 * ```
 */
export function readTrainingParquet(path: string, options: Omit<ReadParquetOptions, 'columns'> = {}): RecordStream<TrainingRow> {
  return readParquet(path, trainingRowSchema, options);
}

/**
 * Writes training rows as parquet in the schema pyarrow gives them (so verl, pandas and
 * DuckDB read it as they read the originals), atomically (temporary file, then rename)
 * and one row group at a time. Each row is validated first; a bad one throws a
 * `DataFormatError` (0-based row) and leaves any previous file at `path` untouched.
 * Only the five known columns are written. Returns the number of rows written.
 *
 * @example
 * ```ts
 * import { writeTrainingParquet } from '@s3lab/toolkit';
 * await writeTrainingParquet('/tmp/train.parquet', [{
 *   data_source: 'nq',
 *   prompt: [{ role: 'user', content: '...<question>\nwho wrote hamlet?\n</question>...' }],
 *   ability: 'fact-reasoning',
 *   reward_model: { style: 'rule', ground_truth: { question: 'who wrote hamlet?', target: ['Shakespeare'], gt_docs: [] } },
 *   extra_info: { split: 'train', index: 0 },
 * }]);
 * ```
 */
export async function writeTrainingParquet(
  path: string,
  rows: AsyncIterable<TrainingRowInput> | Iterable<TrainingRowInput>,
  options: WriteParquetOptions = {},
): Promise<number> {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) throw new RangeError(`rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  let count = 0;
  async function* validated(): AsyncGenerator<Record<string, unknown>> {
    for await (const row of rows) {
      const parsed = trainingRowSchema.safeParse(row);
      if (!parsed.success) throw new DataFormatError({ file: path, row: count, reason: describeZodIssues(parsed.error.issues) });
      count++;
      yield toParquetRow(parsed.data);
    }
  }
  await writeFileAtomically(path, async (handle) => {
    await parquetWriteRows({
      writer: new FileHandleWriter(handle),
      rows: validated(),
      columns: TRAINING_ROW_COLUMNS.map((name) => ({ name })),
      schema: TRAINING_PARQUET_SCHEMA,
      rowGroupSize,
      codec: options.codec ?? 'SNAPPY',
      createdBy: 's3lab',
    });
  });
  return count;
}

async function* readRowGroups(path: string, columns: string[] | undefined, limits: DecodeLimits): AsyncGenerator<RawRecord> {
  const decoder = new RowGroupDecoder(path, columns, limits);
  try {
    let rowStart = 0;
    for (const [index, count] of (await decoder.open()).entries()) {
      const rows = await decoder.rowGroup(index, rowStart, count);
      for (const [offset, row] of rows.entries()) {
        for (const key of Object.keys(row)) if (PANDAS_INDEX_COLUMN.test(key)) delete row[key];
        yield { position: rowStart + offset, value: toPlainNumbers(row) };
      }
      rowStart += count;
    }
  } finally {
    await decoder.close();
  }
}

/** int64 arrives as bigint; JSON-like code wants numbers. Values past 2^53 stay bigint (and fail a number schema). */
function toPlainNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(toPlainNumbers);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const plain = value as Record<string, unknown>;
    for (const key of Object.keys(plain)) plain[key] = toPlainNumbers(plain[key]);
  }
  return value;
}

/**
 * hyparquet-writer's byte buffer, emptied into a file after every row group. The writer
 * awaits each flush before encoding the next group, so the buffer is never written to
 * while a flush is in flight.
 */
class FileHandleWriter extends ByteWriter {
  constructor(private readonly handle: FileHandle) {
    super(1 << 20);
  }

  async flush(): Promise<void> {
    await writeAll(this.handle, new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}
