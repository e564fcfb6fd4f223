/**
 * Decoding a parquet file's row groups in a worker thread, under a time and a memory limit.
 *
 * Why a worker: hyparquet trusts the file. One flipped byte can make a page claim billions of
 * values or a run-length block repeat a value 2^31 times, and hyparquet then loops synchronously
 * for minutes or grows an array until the process dies; nothing in this thread could interrupt
 * it. In a worker, a row group that does not decode within the time limit, or that outgrows the
 * memory limit, ends the worker instead, and the read fails with an error naming the file and the
 * row group. The worker runs plain JavaScript that imports only hyparquet, so it starts in about
 * a tenth of a second, from the source tree as from the build.
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '../../core/input-error.js';
import { DataFormatError } from '../../core/problems.js';

/** Limits of one decoding worker. */
export interface DecodeLimits {
  /** Most milliseconds to open the file or decode one row group (default {@link DEFAULT_DECODE_LIMITS}). */
  timeoutMs: number;
  /** The worker's heap limit in MiB. */
  memoryMb: number;
}

/** A row group of the default 10,000 rows decodes in well under a second and a few hundred MiB. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { timeoutMs: 60_000, memoryMb: 4096 };

/** What crosses from the worker: an error, with the fields `reportError` and callers look at. */
interface SentError { name: string; message: string; code?: string; syscall?: string; path?: string }

type Reply =
  | { kind: 'opened'; groups: number[] }
  | { kind: 'rows'; rows: Record<string, unknown>[] }
  | { kind: 'bad-footer'; message: string }
  | { kind: 'bad-group'; message: string }
  | { kind: 'failed'; error: SentError };

// Messages: 'open' is implicit (the worker opens workerData.path on start); then a row group's
// index per request, answered with its rows. One request at a time, so memory stays one row group.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const send = (reply) => parentPort.postMessage(reply);
const describe = (error) => error instanceof Error
  ? { name: error.name, message: error.message, code: error.code, syscall: error.syscall, path: error.path }
  : { name: 'Error', message: String(error) };
(async () => {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import(workerData.hyparquet);
  const file = await asyncBufferFromFile(workerData.path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    return send({ kind: 'bad-footer', message: describe(error).message });
  }
  const starts = [];
  let start = 0;
  for (const group of metadata.row_groups) {
    starts.push(start);
    start += Number(group.num_rows);
  }
  parentPort.on('message', async (index) => {
    const rowStart = starts[index];
    const rowEnd = rowStart + Number(metadata.row_groups[index].num_rows);
    try {
      const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, ...(workerData.columns ? { columns: workerData.columns } : {}) });
      send({ kind: 'rows', rows });
    } catch (error) {
      send({ kind: 'bad-group', message: describe(error).message });
    }
  });
  send({ kind: 'opened', groups: metadata.row_groups.map((group) => Number(group.num_rows)) });
})().catch((error) => send({ kind: 'failed', error: describe(error) }));
`;

/**
 * One file's row groups, decoded in a worker thread started for this read.
 *
 * @example
 * ```ts
 * const decoder = new RowGroupDecoder('train.parquet', undefined, DEFAULT_DECODE_LIMITS);
 * try {
 *   const groups = await decoder.open();
 *   const rows = await decoder.rowGroup(0, 0, groups[0]!);
 * } finally {
 *   await decoder.close();
 * }
 * ```
 */
export class RowGroupDecoder {
  private readonly worker: Worker;
  private waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  // Replies that came before anyone waited for them (the worker opens the file as it starts).
  private readonly inbox: Reply[] = [];
  private ended: Error | undefined;

  constructor(private readonly path: string, columns: string[] | undefined, private readonly limits: DecodeLimits) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, columns, hyparquet: import.meta.resolve('hyparquet') },
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
    });
    this.worker.on('message', (reply: Reply) => {
      if (this.waiting) this.settle((w) => w.resolve(reply));
      else this.inbox.push(reply);
    });
    this.worker.on('error', (error: Error) => this.end(error));
    this.worker.on('exit', () => this.end(new Error('the parquet decoding worker stopped')));
  }

  /** The row counts of the file's row groups. */
  async open(): Promise<number[]> {
    const reply = await this.next(this.limits.timeoutMs, () => new DataFormatError({ file: this.path, row: 0, reason: `reading the file's footer did not finish within ${this.limits.timeoutMs} ms: the file is damaged or not parquet` }));
    if (reply.kind === 'opened') return reply.groups;
    if (reply.kind === 'bad-footer') throw new InputError(`${this.path}: not a readable parquet file (its footer): ${reply.message}`);
    if (reply.kind === 'failed') throw rebuild(reply.error);
    throw new Error(`unexpected reply ${reply.kind} from the parquet decoding worker`);
  }

  /** The rows of row group `index` (rows `rowStart` to `rowStart + rows - 1`). */
  async rowGroup(index: number, rowStart: number, rows: number): Promise<Record<string, unknown>[]> {
    const where = `row group ${index} (rows ${rowStart}–${rowStart + rows - 1})`;
    const damaged = (why: string): DataFormatError => new DataFormatError({ file: this.path, row: rowStart, reason: `${where} cannot be decoded, the file is damaged or not parquet: ${why}` });
    this.worker.postMessage(index);
    const reply = await this.next(this.limits.timeoutMs, () => damaged(`it did not finish within ${this.limits.timeoutMs} ms`), (error) =>
      damaged((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needed more than ${this.limits.memoryMb} MiB` : error.message));
    if (reply.kind === 'rows') return reply.rows;
    // hyparquet's own message ("unsupported page type: undefined") names neither the file nor where.
    if (reply.kind === 'bad-group') throw damaged(reply.message);
    if (reply.kind === 'failed') throw rebuild(reply.error);
    throw new Error(`unexpected reply ${reply.kind} from the parquet decoding worker`);
  }

  /** Stops the worker (a no-op once it has ended). */
  async close(): Promise<void> {
    this.ended ??= new Error('closed');
    await this.worker.terminate();
  }

  /** The next reply; on a timeout the worker is ended and `onTimeout()` thrown; a worker that died throws `onDeath(error)`. */
  private async next(timeoutMs: number, onTimeout: () => Error, onDeath: (error: Error) => Error = (error) => error): Promise<Reply> {
    const early = this.inbox.shift();
    if (early) return early;
    if (this.ended) throw onDeath(this.ended);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Reply>((resolve, reject) => {
        this.waiting = { resolve, reject: (error) => reject(onDeath(error)) };
        timer = setTimeout(() => {
          this.waiting = undefined;
          reject(onTimeout());
          void this.close();
        }, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private settle(act: (waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }) => void): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) act(waiting);
  }

  private end(error: Error): void {
    this.ended ??= error;
    this.settle((w) => w.reject(error));
  }
}

/** An error from the worker as this thread's kind: an errno error stays one (`cannot read PATH` in the CLI). */
function rebuild(sent: SentError): Error {
  const error = new Error(sent.message) as NodeJS.ErrnoException;
  error.name = sent.name;
  if (sent.code !== undefined) error.code = sent.code;
  if (sent.syscall !== undefined) error.syscall = sent.syscall;
  if (sent.path !== undefined) error.path = sent.path;
  return error;
}
