/**
 * Runs evaluation methods over a question set: each method builds the generator's contexts, the
 * frozen generator answers, GenAcc (span match, else the judge) scores, and EM and F1 are kept for
 * reporting. Per-question records go to `out/records.jsonl` as they finish (append-only, flushed,
 * resumed after a kill: finished (method, id) pairs are skipped), then `out/summary.json` is written.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel, openRetriever, readQa, runEvaluation } from '@s3lab/toolkit';
 * const generator = await loadLocalChatModel('test/fixtures/lm/tiny-chat');
 * const { retriever } = await openRetriever('indexes/lab-bm25');
 * const questions = await readQa('datasets/lab/test.jsonl').toArray();
 * const { summary } = await runEvaluation({ methods: ['no-retrieval', 'naive-rag'], questions, generator, judge: generator, retriever, limit: 50, out: '/tmp/eval' });
 * ```
 */
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically, writeAll } from '../core/atomic-file.js';
import { normalizeQuestion, type QaRecord } from '../data/formats/qa.js';
import { mapConcurrent } from '../llm/concurrency.js';
import type { ChatModel } from '../llm/types.js';
import type { Retriever } from '../retrieval/types.js';
import { generateAnswers } from '../reward/generator.js';
import { scoreGenAcc } from '../reward/genacc.js';
import { exactMatch, f1Score } from '../reward/metrics.js';
import { openResumableJsonl } from '../core/resumable-jsonl.js';
import { validateOptions } from '../core/validate.js';
import { defaultMethodRegistry, type EvalMethod, type MethodRegistry } from './methods.js';
import { evalRecordSchema, summarizeRecords, type EvalRecord, type SummaryCell } from './summary.js';

export const RECORDS_FILE = 'records.jsonl';
export const SUMMARY_FILE = 'summary.json';

export interface RunEvaluationOptions {
  /** Method names (looked up in `registry`) or method objects. */
  methods: readonly (string | EvalMethod)[];
  questions: readonly QaRecord[];
  generator: ChatModel;
  /** The GenAcc judge (the original: the generator's own server); omitted = span match only, recorded as `judge: null`. */
  judge?: ChatModel;
  retriever?: Retriever;
  /** Evaluate the first `limit` questions only. */
  limit?: number;
  /** Output directory: `records.jsonl`, `summary.json`. */
  out: string;
  /** Passages per retrieval for methods without their own setting (default 3). */
  k?: number;
  /** Default: `defaultMethodRegistry` (no-retrieval, naive-rag, and what agent/ registers). */
  registry?: MethodRegistry;
  /** Most tokens per generator answer (backend default when omitted). */
  maxTokens?: number;
  /** Questions per method/generator/judge call (default 16). */
  batchSize?: number;
  /** Batches in flight at once (default 2). */
  concurrency?: number;
  /** Store each question's generator context in its record (default true). */
  keepContext?: boolean;
  /** Extra facts recorded in `summary.json` (data file, index, …). */
  describe?: Record<string, unknown>;
  onProgress?: (method: string, done: number, total: number) => void;
}

export interface EvaluationSummary {
  methods: string[];
  questions: number;
  generator: string;
  judge: string | null;
  k: number;
  /** When the summary was written. */
  written: string;
  cells: SummaryCell[];
  [extra: string]: unknown;
}

const optionsSchema = z.object({
  limit: z.number().int().min(1).optional(),
  k: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  maxTokens: z.number().int().min(1).optional(),
  out: z.string().min(1),
});

/** Runs the evaluation (resuming `out/records.jsonl` if present) and writes `out/summary.json`. */
export async function runEvaluation(options: RunEvaluationOptions): Promise<{ summary: EvaluationSummary; records: EvalRecord[] }> {
  const settings = validateOptions(optionsSchema, {
    limit: options.limit, k: options.k ?? 3, batchSize: options.batchSize ?? 16, concurrency: options.concurrency ?? 2, maxTokens: options.maxTokens, out: options.out,
  }, 'runEvaluation');
  const registry = options.registry ?? defaultMethodRegistry;
  const methods = options.methods.map((m) => (typeof m === 'string' ? registry.get(m) : m));
  if (methods.length === 0) throw new RangeError('runEvaluation: methods: name at least one method');
  const needy = methods.find((m) => m.needsRetriever);
  if (needy && !options.retriever) throw new RangeError(`runEvaluation: method ${needy.name} needs a retriever (an index)`);
  const questions = options.questions.slice(0, settings.limit).map((q) => ({ ...q, question: normalizeQuestion(q.question) }));
  const ids = new Set<string>();
  for (const q of questions) {
    if (ids.has(q.id)) throw new RangeError(`runEvaluation: question id ${q.id} appears twice; ids must be unique to resume`);
    ids.add(q.id);
  }

  const file = await openResumableJsonl(join(settings.out, RECORDS_FILE), evalRecordSchema);
  const key = (method: string, id: string): string => `${method}\u0000${id}`;
  const done = new Map<string, EvalRecord>(file.records.map((r) => [key(r.method, r.id), r]));
  const methodContext = { ...(options.retriever ? { retriever: options.retriever } : {}), k: settings.k, generator: options.generator };

  for (const method of methods) {
    const todo = questions.filter((q) => !done.has(key(method.name, q.id)));
    let finished = questions.length - todo.length;
    options.onProgress?.(method.name, finished, questions.length);
    const batches: QaRecord[][] = [];
    for (let start = 0; start < todo.length; start += settings.batchSize) batches.push(todo.slice(start, start + settings.batchSize));
    await mapConcurrent(batches, settings.concurrency, async (batch) => {
      const records = await evaluateBatch(method, batch, methodContext, options, settings.maxTokens);
      await file.append(records);
      for (const record of records) done.set(key(record.method, record.id), record);
      finished += records.length;
      options.onProgress?.(method.name, finished, questions.length);
    });
  }

  // The summary covers exactly this run's methods × questions, whichever run produced each record.
  const records = methods.flatMap((m) => questions.map((q) => done.get(key(m.name, q.id)) as EvalRecord));
  const summary: EvaluationSummary = {
    methods: methods.map((m) => m.name),
    questions: questions.length,
    generator: options.generator.name,
    judge: options.judge?.name ?? null,
    k: settings.k,
    written: new Date().toISOString(),
    ...options.describe,
    cells: summarizeRecords(records),
  };
  await writeFileAtomically(join(settings.out, SUMMARY_FILE), (handle) => writeAll(handle, Buffer.from(`${JSON.stringify(summary, null, 2)}\n`)));
  return { summary, records };
}

async function evaluateBatch(method: EvalMethod, batch: readonly QaRecord[], context: Parameters<EvalMethod['run']>[1], options: RunEvaluationOptions, maxTokens: number | undefined): Promise<EvalRecord[]> {
  const trajectories = await method.run(batch, context);
  if (trajectories.length !== batch.length) throw new Error(`method ${method.name} returned ${trajectories.length} trajectories for ${batch.length} questions`);
  const answers = await generateAnswers(options.generator, trajectories.map((t) => (method.zeroShot ? { question: t.question } : { question: t.question, context: t.context })), { maxTokens });
  const accuracy = await scoreGenAcc(options.judge, answers.map(({ answer }, i) => ({ answer, goldenAnswers: (batch[i] as QaRecord).golden_answers })));
  return batch.map((q, i) => {
    const t = trajectories[i] as (typeof trajectories)[number];
    const generated = answers[i] as (typeof answers)[number];
    const acc = accuracy[i] as (typeof accuracy)[number];
    return {
      method: method.name,
      id: q.id,
      type: q.type ?? 'untyped',
      question: q.question,
      goldenAnswers: q.golden_answers,
      answer: generated.answer,
      reply: generated.reply,
      genAcc: acc.genAcc,
      spanMatch: acc.spanMatch,
      judged: acc.judged,
      ...(acc.judgeReply !== undefined ? { judgeReply: acc.judgeReply } : {}),
      em: exactMatch(generated.answer, q.golden_answers) ? 1 : 0,
      f1: f1Score(generated.answer, q.golden_answers),
      documents: t.documents,
      searcherTokens: t.searcherTokens,
      turns: t.turns,
      generatorPromptTokens: generated.promptTokens,
      ...(options.keepContext === false ? {} : { context: t.context }),
    };
  });
}
