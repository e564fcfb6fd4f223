/**
 * What went wrong with one record of a data file, and the error that carries it.
 * Every reader reports a bad record this way, so no record is ever dropped silently.
 */
import type { z } from 'zod';

/** A bad line of a text file (JSONL). `line` is 1-based, as editors and `sed -n` count. */
export interface LineProblem {
  file: string;
  line: number;
  row?: undefined;
  reason: string;
  /** The start of the offending line, for the report. */
  excerpt?: string;
}

/** A bad row of a table file (parquet). `row` is 0-based, as pandas `iloc` and DuckDB `file_row_number` count. */
export interface RowProblem {
  file: string;
  row: number;
  line?: undefined;
  reason: string;
  excerpt?: undefined;
}

/** One bad record: where it is and why it was rejected. */
export type DataProblem = LineProblem | RowProblem;

/**
 * What a reader does with a bad record: `'throw'` stops at the first one with a
 * {@link DataFormatError}; a callback receives each problem and reading goes on.
 */
export type OnDataProblem = 'throw' | ((problem: DataProblem) => void);

/**
 * One line that locates and explains a problem: `file:line: reason` or `file: row N: reason`.
 *
 * @example
 * ```ts
 * import { describeProblem } from '@s3lab/toolkit';
 * describeProblem({ file: 'qa.jsonl', line: 3, reason: 'invalid JSON' }); // 'qa.jsonl:3: invalid JSON'
 * ```
 */
export function describeProblem(problem: DataProblem): string {
  return problem.line !== undefined
    ? `${problem.file}:${problem.line}: ${problem.reason}`
    : `${problem.file}: row ${problem.row}: ${problem.reason}`;
}

/**
 * A record of a data file that is not valid JSON or does not match its schema.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { DataFormatError, readJsonl } from '@s3lab/toolkit';
 * try {
 *   await readJsonl('datasets/lab/train.jsonl', z.object({ answer: z.string() })).toArray();
 * } catch (error) {
 *   if (error instanceof DataFormatError) console.log(error.file, error.line, error.reason); // … 1 'answer: Invalid input: …'
 * }
 * ```
 */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
  readonly file: string;
  /** 1-based line, for text files. */
  readonly line: number | undefined;
  /** 0-based row, for table files. */
  readonly row: number | undefined;
  readonly reason: string;

  constructor(readonly problem: DataProblem) {
    super(describeProblem(problem));
    this.file = problem.file;
    this.line = problem.line;
    this.row = problem.row;
    this.reason = problem.reason;
  }
}

/**
 * Zod issues as one short reason: `path: message; path: message`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { describeZodIssues } from '@s3lab/toolkit';
 * const result = z.object({ id: z.string() }).safeParse({ id: 1 });
 * if (!result.success) console.log(describeZodIssues(result.error.issues)); // 'id: Invalid input: expected string, received number'
 * ```
 */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
