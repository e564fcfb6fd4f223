/**
 * The RAG cache: for each question, the generator's answer with the naive-RAG context (top k of
 * the question) and its GenAcc — the baseline that GBR subtracts, computed once
 * (`scripts/evaluation/context.py` in pat-jj/s3, k = 3). Stored as append-only JSONL, one line per
 * finished question, so a killed precompute resumes where it stopped (see `resumable-jsonl.ts`);
 * exported to the original's `{data_source: {question: {answer, score, em_score}}}` JSON.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel, openRetriever, precomputeRagCache, readQa, RagCache } from '@s3lab/toolkit';
 * const generator = await loadLocalChatModel('test/fixtures/lm/tiny-chat');
 * const { retriever } = await openRetriever('indexes/lab-bm25');
 * const questions = await readQa('datasets/lab/train.jsonl').toArray();
 * await precomputeRagCache({ questions, retriever, generator, judge: generator, out: '/tmp/rag-cache.jsonl', dataSource: 'lab' });
 * const cache = await RagCache.load('/tmp/rag-cache.jsonl');
 * cache.get('lab', questions[0]!.question)?.score; // 0 or 1
 * ```
 */
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { PAPER_SCALE } from '../config/index.js';
import type { QaRecord } from '../data/formats/qa.js';
import { normalizeQuestion } from '../data/formats/qa.js';
import { mapConcurrent } from '../llm/concurrency.js';
import type { ChatModel } from '../llm/types.js';
import type { Retriever } from '../retrieval/types.js';
import { naiveRagContext, type RagContextFormat } from './naive-rag.js';
import { scoreContexts, type ScoredContext } from './score.js';
import { openResumableJsonl, readFinishedJsonl } from '../core/resumable-jsonl.js';
import { validateOptions } from '../core/validate.js';
import { otherSettingsError, settingDifferences } from '../core/run-settings.js';

/** One line of the cache file. */
export const ragCacheEntrySchema = z.object({
  id: z.string(),
  dataSource: z.string(),
  /** As the original keys it: stripped, ending in "?" (`normalizeQuestion`). */
  question: z.string(),
  goldenAnswers: z.array(z.string()),
  answer: z.string(),
  /** GenAcc of `answer`. */
  score: z.union([z.literal(0), z.literal(1)]),
  emScore: z.union([z.literal(0), z.literal(1)]),
  f1: z.number(),
  /** Whether the judge decided `score` (the span match failed). */
  judged: z.boolean(),
  /** Ids of the passages in the context, best first. */
  docIds: z.array(z.string()),
  k: z.number().int().min(1),
  contextFormat: z.enum(['original', 'generator']),
  generator: z.string(),
  judge: z.string().nullable(),
  /** Most tokens per answer (null: the backend's default); absent in files from before it was recorded. */
  maxTokens: z.number().int().min(1).nullable().optional(),
  /** The retriever, as the caller names it (`retrieverName`); absent when it was not named. */
  retriever: z.string().optional(),
});
export type RagCacheEntry = z.output<typeof ragCacheEntrySchema>;

/** The original's RAG-cache JSON (`data/rag_cache/rag_cache.json`). */
export type OriginalRagCache = Record<string, Record<string, { answer: string; score: 0 | 1; em_score: 0 | 1 }>>;

/** The questions of a cache file, looked up as the reward does: by data source and question. */
export class RagCache {
  private readonly byKey = new Map<string, RagCacheEntry>();

  constructor(readonly entries: readonly RagCacheEntry[]) {
    // Later lines win: a question asked twice under two ids has one baseline, as in the original's dict.
    for (const entry of entries) this.byKey.set(RagCache.key(entry.dataSource, entry.question), entry);
  }

  private static key(dataSource: string, question: string): string {
    return `${dataSource}\u0000${normalizeQuestion(question)}`;
  }

  /**
   * Reads a cache file without changing it (a precompute may be appending to it): a torn last line
   * is ignored; a missing file throws (ENOENT), so a mistyped path is not an empty baseline.
   */
  static async load(path: string): Promise<RagCache> {
    return new RagCache(await readFinishedJsonl(path, ragCacheEntrySchema));
  }

  /** The entry of a question (normalised as the original does before the lookup), if cached. */
  get(dataSource: string, question: string): RagCacheEntry | undefined {
    return this.byKey.get(RagCache.key(dataSource, question));
  }

  /** Distinct (data source, question) pairs. */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * The original's shape, `{data_source: {question: {answer, score, em_score}}}` (`em_score` is in
   * the files `context.py` writes; the training filter reads only `score`).
   *
   * @example
   * ```ts
   * await writeFile('rag_cache.json', JSON.stringify((await RagCache.load('/tmp/rag-cache.jsonl')).toOriginal()));
   * ```
   */
  toOriginal(): OriginalRagCache {
    const out: OriginalRagCache = {};
    for (const entry of this.byKey.values()) {
      const section = (out[entry.dataSource] ??= {});
      section[entry.question] = { answer: entry.answer, score: entry.score, em_score: entry.emScore };
    }
    return out;
  }
}

export interface PrecomputeRagCacheOptions {
  /** The questions (FlashRAG shape); their `id`s identify finished items on resume. */
  questions: readonly Pick<QaRecord, 'id' | 'question' | 'golden_answers'>[];
  retriever: Retriever;
  /** Names the retriever in each line (e.g. the `--retriever` source), so a resume with another one is refused. */
  retrieverName?: string;
  generator: ChatModel;
  /** The GenAcc judge (the original uses the generator's server); omitted = span match only. */
  judge?: ChatModel;
  /** The cache file (JSONL), created or resumed. */
  out: string;
  /** The section the questions belong to (the original's `data_source`, e.g. `nq`). */
  dataSource: string;
  /** Passages in the generator's context (default 3, as the original's RAG cache). */
  k?: number;
  contextFormat?: RagContextFormat;
  /** Most tokens per generator answer (backend default when omitted). */
  maxTokens?: number;
  /** Questions per retriever/generator/judge call (default 16). */
  batchSize?: number;
  /** Batches in flight at once (default 2). */
  concurrency?: number;
  /** Start over: delete `out` first (lines made with other settings there are refused otherwise). */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface PrecomputeRagCacheResult {
  /** Questions answered by this call. */
  written: number;
  /** Questions found finished in the file. */
  resumed: number;
  total: number;
  /** `torn-line-removed` when a killed earlier run left half a line, now removed. */
  tail: 'clean' | 'newline-added' | 'torn-line-removed';
}

const optionsSchema = z.object({
  dataSource: z.string().min(1),
  k: z.number().int().min(1).max(1000),
  batchSize: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  maxTokens: z.number().int().min(1).optional(),
});

/**
 * Fills the RAG cache for `questions`, skipping those already in `out`: per batch, naive-RAG
 * retrieval, the generator's answers, GenAcc (judge only for span-match failures), then one line
 * per question appended and flushed. Throws an `InputError` naming the differences if `out` holds
 * lines made with other settings (k, context format, generator, judge, max tokens, retriever when
 * named), which would mix two baselines in one file; `force` starts the file over.
 */
export async function precomputeRagCache(options: PrecomputeRagCacheOptions): Promise<PrecomputeRagCacheResult> {
  const settings = validateOptions(optionsSchema, { dataSource: options.dataSource, k: options.k ?? PAPER_SCALE.naiveRagK, batchSize: options.batchSize ?? 16, concurrency: options.concurrency ?? 2, maxTokens: options.maxTokens }, 'precomputeRagCache');
  const contextFormat = options.contextFormat ?? 'original';
  const judgeName = options.judge?.name ?? null;
  if (options.force) await rm(options.out, { force: true });
  const file = await openResumableJsonl(options.out, ragCacheEntrySchema);
  const made = { k: settings.k, contextFormat, generator: options.generator.name, judge: judgeName, maxTokens: settings.maxTokens ?? null, ...(options.retrieverName === undefined ? {} : { retriever: options.retrieverName }) };
  for (const entry of file.records) {
    // A setting a line (or this call) does not record is unknown, not different: older files lack some.
    const differences = settingDifferences(pick(entry, made), pick(made, entry));
    if (differences.length > 0) throw otherSettingsError(options.out, 'a RAG cache', differences);
  }
  const done = new Map(file.records.map((entry) => [entry.id, entry.question]));
  const seen = new Set<string>();
  const todo = options.questions.filter((q) => {
    if (seen.has(q.id)) throw new Error(`question id ${q.id} appears twice in the input; ids must be unique to resume`);
    seen.add(q.id);
    const cached = done.get(q.id);
    // Another data set's file can hold the same ids (train_0, …): resuming on it would pair answers with the wrong questions.
    if (cached !== undefined && cached !== normalizeQuestion(q.question)) {
      throw new Error(`${options.out} holds question id ${q.id} as ${JSON.stringify(cached)}, not ${JSON.stringify(normalizeQuestion(q.question))}: it was made for other questions; use another file`);
    }
    return cached === undefined;
  });
  const total = options.questions.length;
  let finished = total - todo.length;
  options.onProgress?.(finished, total);

  const batches: (typeof todo)[] = [];
  for (let start = 0; start < todo.length; start += settings.batchSize) batches.push(todo.slice(start, start + settings.batchSize));
  await mapConcurrent(batches, settings.concurrency, async (batch) => {
    const questions = batch.map((q) => normalizeQuestion(q.question));
    const hits = await options.retriever.search(questions, settings.k);
    const contexts = hits.map((h) => naiveRagContext(h.slice(0, settings.k), contextFormat));
    const scored = await scoreContexts(questions.map((question, i) => ({ question, goldenAnswers: (batch[i] as (typeof batch)[number]).golden_answers, context: contexts[i] ?? '' })), { generator: options.generator, judge: options.judge, maxTokens: settings.maxTokens });
    const entries: RagCacheEntry[] = batch.map((q, i) => {
      const { answer, genAcc, em, f1, judged } = scored[i] as ScoredContext;
      return {
        id: q.id,
        dataSource: settings.dataSource,
        question: questions[i] as string,
        goldenAnswers: q.golden_answers,
        answer,
        score: genAcc,
        emScore: em,
        f1,
        judged,
        docIds: (hits[i] ?? []).slice(0, settings.k).map((hit) => hit.id),
        k: settings.k,
        contextFormat,
        generator: options.generator.name,
        judge: judgeName,
        maxTokens: made.maxTokens,
        ...(made.retriever === undefined ? {} : { retriever: made.retriever }),
      };
    });
    await file.append(entries);
    finished += entries.length;
    options.onProgress?.(finished, total);
  });
  return { written: todo.length, resumed: total - todo.length, total, tail: file.tail };
}

/** The fields of `from` that `names` also has (both must record a setting for it to be compared). */
function pick(from: Record<string, unknown>, names: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(names).filter((name) => name in from && from[name] !== undefined).map((name) => [name, from[name]]));
}
