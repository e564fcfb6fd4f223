/**
 * The s3 training set: the paper's filter (drop yes/no questions and questions naive RAG already
 * answers) and the training rows in the verl/Search-R1 parquet layout
 * (`scripts/data_process/train_s3.py` in pat-jj/s3).
 *
 * @example
 * ```ts
 * import { RagCache, buildTrainingRows, filterTrainingQuestions, readQa, writeTrainingParquet } from '@s3lab/toolkit';
 * const questions = await readQa('datasets/lab/train.jsonl').toArray();
 * const { kept } = filterTrainingQuestions(questions, await RagCache.load('/tmp/rag-cache.jsonl'), 'lab');
 * const rows = await buildTrainingRows(kept, { dataSource: 'lab', searcherPrompt: (q) => `…${q.question}…` });
 * await writeTrainingParquet('/tmp/train.parquet', rows);
 * ```
 */
import type { QaRecord } from '../data/formats/qa.js';
import { normalizeQuestion } from '../data/formats/qa.js';
import type { TrainingRowInput } from '../data/formats/training-row.js';
import type { RagCache } from './rag-cache.js';

const YES_NO = new Set(['yes', 'no', 'true', 'false']);

/**
 * Whether a question is a yes/no question by its golden answers: one of them is yes, no, true or
 * false, in any case. (The original lists the lowercase and capitalised spellings only, so it
 * keeps "YES"; s3lab drops it too.) The answer must be exactly that word: "yes, in 1990" stays.
 *
 * @example
 * ```ts
 * isYesNoQuestion(['No']); // true
 * isYesNoQuestion(['Norway']); // false
 * ```
 */
export function isYesNoQuestion(goldenAnswers: readonly string[]): boolean {
  return goldenAnswers.some((answer) => YES_NO.has(answer.toLowerCase()));
}

type FilterableQuestion = Pick<QaRecord, 'question' | 'golden_answers'>;

export interface TrainingFilterResult<T> {
  kept: T[];
  /** Dropped for a yes/no golden answer. */
  yesNo: number;
  /** Dropped because the RAG cache scores them 1 (naive RAG already answers them). */
  solvedByRag: number;
  /** Kept although absent from the RAG cache (the original keeps these too). */
  notInCache: number;
}

/**
 * The paper's training filter, in the original's order: yes/no questions out, then questions the
 * RAG cache (section `dataSource`) scores 1. Questions absent from the cache are kept and counted.
 *
 * @example
 * ```ts
 * const { kept, yesNo, solvedByRag } = filterTrainingQuestions(questions, cache, 'lab');
 * ```
 */
export function filterTrainingQuestions<T extends FilterableQuestion>(questions: readonly T[], ragCache: RagCache, dataSource: string): TrainingFilterResult<T> {
  const result: TrainingFilterResult<T> = { kept: [], yesNo: 0, solvedByRag: 0, notInCache: 0 };
  for (const question of questions) {
    if (isYesNoQuestion(question.golden_answers)) {
      result.yesNo++;
      continue;
    }
    const entry = ragCache.get(dataSource, question.question);
    if (entry?.score === 1) {
      result.solvedByRag++;
      continue;
    }
    if (!entry) result.notInCache++;
    result.kept.push(question);
  }
  return result;
}

export interface BuildTrainingRowsOptions<T> {
  /** The rows' `data_source` (and the RAG-cache section the reward will look them up in). */
  dataSource: string;
  /** `extra_info.split` (default `train`). */
  split?: string;
  /**
   * The searcher prompt of one question (from `agent/`: it embeds the question, already normalised
   * here, and the initial naive-RAG results).
   */
  searcherPrompt: (question: T & { question: string }) => string | Promise<string>;
}

/**
 * Training rows in the s3 layout: `data_source`, `prompt` = one user message (the searcher
 * prompt), `ability` = `fact-reasoning`, `reward_model` = `{style: 'rule', ground_truth:
 * {question, target: golden answers, gt_docs: supporting facts or []}}`, `extra_info` = `{split,
 * index}` with index the position in `questions` (the original numbers each source's rows after
 * filtering, from 0). Questions are normalised (stripped, "?" added) as the original does.
 */
export async function buildTrainingRows<T extends FilterableQuestion & { supporting_facts?: unknown }>(questions: readonly T[], options: BuildTrainingRowsOptions<T>): Promise<TrainingRowInput[]> {
  const split = options.split ?? 'train';
  return Promise.all(questions.map(async (record, index) => {
    const question = normalizeQuestion(record.question);
    const content = await options.searcherPrompt({ ...record, question });
    return {
      data_source: options.dataSource,
      prompt: [{ role: 'user', content }],
      ability: 'fact-reasoning',
      reward_model: { style: 'rule', ground_truth: { question, target: [...record.golden_answers], gt_docs: docIds(record.supporting_facts) } },
      extra_info: { split, index },
    };
  }));
}

/** `supporting_facts` as doc ids when it is a list of ids (the lab world, s3's medical sets); else none. */
function docIds(supportingFacts: unknown): string[] {
  if (!Array.isArray(supportingFacts)) return [];
  return supportingFacts.every((id) => typeof id === 'string' || typeof id === 'number') ? supportingFacts.map(String) : [];
}
