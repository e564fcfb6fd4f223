/**
 * The one loop every reader shares: take raw records from a file, validate each with a
 * zod schema, yield the good ones and hand the bad ones to the caller's problem policy.
 */
import type { z } from 'zod';
import { DataFormatError, describeZodIssues, type DataProblem, type OnDataProblem } from './problems.js';

/** A record as a format reader found it: a parsed value, or why it could not be parsed. */
export type RawRecord =
  | { position: number; value: unknown; reason?: undefined }
  | { position: number; reason: string; excerpt?: string };

/** Counts of one pass over a file; final once the iteration ends. */
export interface ReadStats {
  file: string;
  /** Records yielded. */
  records: number;
  /** Records rejected (always 0 after a pass with `onError: 'throw'` that completed). */
  problems: number;
}

/** Options every reader takes. */
export interface ReadOptions {
  /** `'throw'` (default): stop at the first bad record with a `DataFormatError`; or a callback that collects problems. */
  onError?: OnDataProblem;
}

/**
 * Typed records of one file, read lazily. Iterate it with `for await`; each pass
 * re-reads the file and restarts `stats`.
 */
export class RecordStream<T> implements AsyncIterable<T> {
  /** Live counts of the current (or last) pass. */
  readonly stats: ReadStats;

  constructor(
    readonly file: string,
    private readonly unit: 'line' | 'row',
    private readonly source: () => AsyncIterable<RawRecord>,
    private readonly schema: z.ZodType<T>,
    private readonly onError: OnDataProblem = 'throw',
  ) {
    this.stats = { file, records: 0, problems: 0 };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    this.stats.records = 0;
    this.stats.problems = 0;
    for await (const raw of this.source()) {
      if (raw.reason !== undefined) {
        this.report(raw.position, raw.reason, raw.excerpt);
        continue;
      }
      const parsed = this.schema.safeParse(raw.value);
      if (!parsed.success) {
        this.report(raw.position, describeZodIssues(parsed.error.issues));
        continue;
      }
      this.stats.records++;
      yield parsed.data;
    }
  }

  /** Every record of one pass, in file order. */
  async toArray(): Promise<T[]> {
    const records: T[] = [];
    for await (const record of this) records.push(record);
    return records;
  }

  private report(position: number, reason: string, excerpt?: string): void {
    const problem: DataProblem =
      this.unit === 'line'
        ? { file: this.file, line: position, reason, ...(excerpt === undefined ? {} : { excerpt }) }
        : { file: this.file, row: position, reason };
    if (this.onError === 'throw') throw new DataFormatError(problem);
    this.stats.problems++;
    this.onError(problem);
  }
}
