/**
 * A training/test row in the Search-R1/s3 parquet shape (verl's RL dataset format):
 * `data_source`, `prompt` (chat messages), `ability`, `reward_model`, `extra_info`.
 */
import { z } from 'zod';
import type { SchemaElement } from 'hyparquet';

const docId = z.union([z.string(), z.number().int()]).transform(String);

/**
 * One row. Reading is lenient where the originals differ, and normalises: s3's training
 * script writes no `gt_docs` (read as `[]`), its test script may write a bare string
 * `target` (read as `[target]`) and integer doc ids (read as strings). Columns beyond the
 * five known ones (Search-R1 keeps `id`, `question`, `golden_answers`) pass through.
 */
export const trainingRowSchema = z.looseObject({
  data_source: z.string(),
  prompt: z.array(z.object({ role: z.string(), content: z.string() })),
  ability: z.string(),
  reward_model: z.object({
    style: z.string(),
    ground_truth: z.object({
      question: z.string(),
      target: z.union([z.array(z.string()), z.string().transform((answer) => [answer])]),
      gt_docs: z.array(docId).nullish().transform((ids) => ids ?? []),
    }),
  }),
  extra_info: z.object({ split: z.string(), index: z.number().int() }),
});

/** A row as read (normalised). */
export type TrainingRow = z.output<typeof trainingRowSchema>;

/** A row as accepted for writing (the lenient input shape; only the five known columns are written). */
export type TrainingRowInput = z.input<typeof trainingRowSchema>;

/** The five columns, in the order the s3 scripts build them. */
export const TRAINING_ROW_COLUMNS = ['data_source', 'prompt', 'ability', 'reward_model', 'extra_info'] as const;

// The parquet schema pyarrow writes for these rows from pandas or Hugging Face datasets:
// every field OPTIONAL, lists in the standard 3-level layout `<name> (LIST) { repeated
// group list { element } }`, strings as UTF8, `extra_info.index` as INT64.
const string = (name: string): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  logical_type: { type: 'STRING' },
  repetition_type: 'OPTIONAL',
});
const list = (name: string, element: SchemaElement[]): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  ...element,
];
const struct = (name: string, children: number): SchemaElement => ({ name, repetition_type: 'OPTIONAL', num_children: children });

/** The flattened parquet schema (depth-first) of a training row file. */
export const TRAINING_PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: TRAINING_ROW_COLUMNS.length },
  string('data_source'),
  ...list('prompt', [struct('element', 2), string('role'), string('content')]),
  string('ability'),
  struct('reward_model', 2),
  string('style'),
  struct('ground_truth', 3),
  string('question'),
  ...list('target', [string('element')]),
  ...list('gt_docs', [string('element')]),
  struct('extra_info', 2),
  string('split'),
  { name: 'index', type: 'INT64', repetition_type: 'OPTIONAL' },
];

/** A validated row as the parquet writer takes it: known columns only, int64 as bigint. */
export function toParquetRow(row: TrainingRow): Record<(typeof TRAINING_ROW_COLUMNS)[number], unknown> {
  const { ground_truth } = row.reward_model;
  return {
    data_source: row.data_source,
    prompt: row.prompt.map(({ role, content }) => ({ role, content })),
    ability: row.ability,
    reward_model: {
      style: row.reward_model.style,
      ground_truth: { question: ground_truth.question, target: ground_truth.target, gt_docs: ground_truth.gt_docs },
    },
    extra_info: { split: row.extra_info.split, index: BigInt(row.extra_info.index) },
  };
}
