/**
 * The one loop every reader shares: take raw records from a file, validate each with a
 * zod schema, yield the good ones and hand the bad ones to the caller's problem policy.
 */
import type { z } from 'zod';
import { InputError } from './input-error.js';
import { DataFormatError, describeZodIssues, type DataProblem, type OnDataProblem } from './problems.js';
import { UniqueKeys } from './unique-keys.js';

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
 * What a format asks of a whole file, beyond each record's schema (a corpus, a QA set): checked
 * on every pass, so every reader of that format gets it.
 */
export interface FileChecks<T> {
  /**
   * What the file should hold, for the message when it holds nothing (e.g. `QA records {"id",
   * "question", "golden_answers"}`): an empty file is then an {@link InputError}.
   */
  nonEmpty?: string;
  /**
   * A field every record must have its own value of (an id), and how to read it. A repeat is a
   * problem of the later record naming the first one's line or row. Memory stays bounded
   * (`UniqueKeys`: bits or 8-byte hashes, never the keys); a repeat found by hash is confirmed
   * by reading the file again up to the first record with that key, so each reported repeat costs
   * one partial re-read (a throwing read stops at the first).
   */
  unique?: { field: string; key: (record: T) => string };
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
    private readonly checks: FileChecks<T> = {},
  ) {
    this.stats = { file, records: 0, problems: 0 };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    this.stats.records = 0;
    this.stats.problems = 0;
    const unique = this.checks.unique;
    const seen = unique ? new UniqueKeys() : undefined;
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
      if (unique && seen) {
        const key = unique.key(parsed.data);
        const first = seen.add(key) === 'new' ? undefined : await this.firstPositionOf(key, raw.position);
        if (first !== undefined) {
          this.report(raw.position, `${unique.field}: ${JSON.stringify(key)} repeats the ${unique.field} of ${this.unit} ${first}; each record needs its own`);
          continue;
        }
      }
      this.stats.records++;
      yield parsed.data;
    }
    if (this.checks.nonEmpty !== undefined && this.stats.records === 0 && this.stats.problems === 0) {
      throw new InputError(`${this.file} is empty: expected ${this.checks.nonEmpty}`);
    }
  }

  /** Where `key` first appears before `position` (a fresh pass over the file), if it does: confirms a suspected repeat. */
  private async firstPositionOf(key: string, position: number): Promise<number | undefined> {
    const unique = this.checks.unique!;
    for await (const raw of this.source()) {
      if (raw.position >= position) return undefined;
      if (raw.reason !== undefined) continue;
      const parsed = this.schema.safeParse(raw.value);
      if (parsed.success && unique.key(parsed.data) === key) return raw.position;
    }
    return undefined;
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
