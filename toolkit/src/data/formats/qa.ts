/**
 * QA JSONL in the FlashRAG shape: `{id, question, golden_answers: [...], ...}`. Fields
 * beyond the known ones (`type`, `supporting_facts`, `metadata`, the lab world's
 * `decomposition`, ...) are kept as they are.
 */
import { z } from 'zod';
import { stripLikePython } from '../../text/normalize.js';
import { recordIdSchema } from './corpus.js';
import { readJsonl, type ReadJsonlOptions } from '../../core/jsonl.js';
import type { RecordStream } from '../../core/record-stream.js';

/** One QA record; unknown fields pass through. */
export const qaRecordSchema = z.looseObject({
  id: recordIdSchema,
  question: z.string(),
  /** At least one: a question without an answer cannot be scored (EM, F1 and GenAcc would all be 0). */
  golden_answers: z.array(z.string()).min(1, 'expected at least one golden answer'),
  /** Question type where a set has one (HotpotQA: `bridge`/`comparison`; the lab world: its kinds). */
  type: z.string().optional(),
  /** The passages or facts that support the answer; shape differs between sets. */
  supporting_facts: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** A question with its golden answers, and whatever else its set records. */
export type QaRecord = z.output<typeof qaRecordSchema>;

/**
 * Streams the records of a FlashRAG-style QA JSONL file (see {@link readJsonl} for error
 * handling). An empty file is an `InputError`; an empty `golden_answers` or a repeated id is a
 * problem of its line (ids key resumable runs and the RAG cache, so they must be unique). Questions are returned as written; apply {@link normalizeQuestion} where the
 * s3 pipeline does.
 *
 * @example
 * ```ts
 * import { readQa } from '@s3lab/toolkit';
 * for await (const { id, question, golden_answers } of readQa('datasets/lab/dev.jsonl')) {
 *   console.log(id, question, golden_answers);
 *   break;
 * }
 * ```
 */
export function readQa(path: string, options: ReadJsonlOptions = {}): RecordStream<QaRecord> {
  return readJsonl(path, qaRecordSchema, options, {
    nonEmpty: 'QA records, one {"id", "question", "golden_answers"} JSON object per line',
    unique: { field: 'id', key: (record) => record.id },
  });
}

/**
 * A question as the s3 data scripts store it: stripped (Python `str.strip()`
 * whitespace) and ending in `?` (one is added when missing). Throws on a question that
 * is empty after stripping, where the original script fails too.
 *
 * @example
 * ```ts
 * import { normalizeQuestion } from '@s3lab/toolkit';
 * normalizeQuestion('  who wrote hamlet \n'); // 'who wrote hamlet?'
 * ```
 */
export function normalizeQuestion(question: string): string {
  const stripped = stripLikePython(question);
  if (!stripped) throw new RangeError('a question cannot be empty');
  return stripped.endsWith('?') ? stripped : `${stripped}?`;
}
