/**
 * The s3 reward for items as verl hands them over: a decoded searcher text (prompt + response)
 * and its golden answers. Why a separate piece: at paper scale verl (Python, on Ray) runs PPO, and
 * the reward must stay s3lab's own — the same transcript extraction, generator prompt, GenAcc and
 * RAG cache as the lab-scale trainer and `s3lab eval` — so verl asks this service over HTTP
 * (`reward-server.ts`) instead of re-implementing it in Python. Scoring goes through
 * `GenerationReward` (one batched generator call per request); this file only turns verl items
 * into reward trajectories and keeps the RAG cache complete.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel } from '@s3lab/toolkit';
 * const service = await RewardService.open({ generator: await loadLocalChatModel('datasets/models/lab-generator'), ragCache: '/tmp/rag-cache.jsonl' });
 * const { scores, details } = await service.score([{ solution_str: fullText, ground_truth: { target: ['1282'] }, data_source: 'lab' }]);
 * ```
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PAPER_SCALE } from '../../config/index.js';
import { extractSelectedDocs, formatGeneratorContext, transcriptAfterStartMarker, SEARCHER_START_MARKER } from '../../agent/selected-docs.js';
import type { ChatModel } from '../../llm/types.js';
import type { Retriever } from '../../retrieval/types.js';
import { GenerationReward } from '../../reward/gbr.js';
import { RagCache, precomputeRagCache, type RagCacheEntry } from '../../reward/rag-cache.js';
import type { RewardTrajectory } from '../../reward/types.js';
import { stripLikePython } from '../../text/normalize.js';
import { firstTaggedSpan } from '../../text/tagged-spans.js';

/** The rewards the service offers: GBR (the paper's) or GBR + GenAcc (the released trainer's). */
export const SERVED_REWARDS = ['gbr', 'gbr+genacc'] as const;
export type ServedReward = (typeof SERVED_REWARDS)[number];

/** One item of `POST /reward`: what verl's reward manager has for one response. */
export const rewardItemSchema = z.object({
  /** The searcher's decoded prompt + response; the part after the start marker is read. */
  solution_str: z.string(),
  /** The row's `reward_model.ground_truth` (verl passes it whole; `question` and `gt_docs` may ride along). */
  ground_truth: z.looseObject({
    target: z.union([z.array(z.string()).min(1), z.string().transform((answer) => [answer])]),
    question: z.string().min(1).nullish(),
  }),
  /** The RAG-cache section (verl's `data_source`). */
  data_source: z.string().min(1).nullish(),
  /** Overrides the question read from the text. */
  question: z.string().min(1).nullish(),
});
export type RewardItem = z.input<typeof rewardItemSchema>;

/** What the service reports for one item. */
export interface RewardItemDetail {
  /** GenAcc of the generator's answer with the searcher's context. */
  genacc: 0 | 1;
  /** GenAcc of the generator's answer with the naive-RAG context (the RAG cache). */
  ragGenacc: 0 | 1;
  gbr: number;
  /** Documents the generator was given. */
  documents: number;
  question: string;
  dataSource: string;
  answer: string;
  /** Whether `ragGenacc` was computed for this request (the question was not in the cache). */
  ragOnTheFly: boolean;
}

export interface RewardResult {
  scores: number[];
  details: RewardItemDetail[];
}

/** A request the service cannot score; `status` is the HTTP status it maps to. */
export class RewardRequestError extends Error {
  override name = 'RewardRequestError';
  constructor(readonly status: 400 | 422, message: string, readonly field?: string) {
    super(message);
  }
}

export interface RewardServiceOptions {
  generator: ChatModel;
  /** The GenAcc judge; omitted = span match only (as `--judge none`). */
  judge?: ChatModel;
  /** The RAG cache file (JSONL from `precomputeRagCache` / `s3lab rag-cache`). */
  ragCache: string;
  /**
   * Retrieves for questions missing from the cache: their naive-RAG GenAcc is computed as the
   * precompute would (same k and context format as the cache's lines) and appended to the cache
   * file. Without one, a missing question is a 422.
   */
  retriever?: Retriever;
  /** Default `gbr`. */
  reward?: ServedReward;
  /** Section of items that name no `data_source` (default: the cache's only section, if it has one). */
  dataSource?: string;
  /** Most tokens per generator answer (backend default when omitted). */
  maxTokens?: number;
}

interface Prepared {
  trajectory: RewardTrajectory & { dataSource: string };
  goldenAnswers: string[];
}

/** Scores verl items with `GenerationReward`; keeps the RAG cache in memory and fills its gaps when it can. */
export class RewardService {
  readonly reward: ServedReward;
  private cache: RagCache;
  private onTheFly = 0;
  private filling: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: RewardServiceOptions, cache: RagCache) {
    this.reward = options.reward ?? 'gbr';
    if (!SERVED_REWARDS.includes(this.reward)) throw new RangeError(`RewardService: reward must be one of ${SERVED_REWARDS.join(', ')}; got ${JSON.stringify(this.reward)}`);
    this.cache = cache;
  }

  /**
   * Loads the RAG cache and checks that it can be extended: with a retriever, every cache line
   * must come from this generator and judge, or a filled-in baseline would differ from the rest.
   *
   * @example
   * ```ts
   * const service = await RewardService.open({ generator, ragCache: 'rag-cache.jsonl', reward: 'gbr+genacc' });
   * ```
   */
  static async open(options: RewardServiceOptions): Promise<RewardService> {
    const cache = await RagCache.load(options.ragCache);
    if (options.retriever) {
      const judge = options.judge?.name ?? null;
      const other = cache.entries.find((e) => e.generator !== options.generator.name || e.judge !== judge);
      if (other) throw new Error(`${options.ragCache}: lines made with generator ${other.generator} and judge ${other.judge}, not ${options.generator.name} and ${judge}; questions computed on the fly would have another baseline (drop the retriever, or use this cache's generator and judge)`);
    }
    return new RewardService(options, cache);
  }

  /**
   * What `GET /health` shows about the cache.
   *
   * @example
   * ```ts
   * service.describeCache(); // { path: 'rag-cache.jsonl', questions: 2400, dataSources: { nq: 1300, hotpotqa: 1100 }, addedOnTheFly: 0, canFill: false }
   * ```
   */
  describeCache(): { path: string; questions: number; dataSources: Record<string, number>; addedOnTheFly: number; canFill: boolean } {
    const dataSources: Record<string, number> = {};
    for (const entry of this.uniqueEntries()) dataSources[entry.dataSource] = (dataSources[entry.dataSource] ?? 0) + 1;
    return { path: this.options.ragCache, questions: this.cache.size, dataSources, addedOnTheFly: this.onTheFly, canFill: this.options.retriever !== undefined };
  }

  /**
   * The reward of each item and what it came from. Throws `RewardRequestError` (422) for an item
   * without the start marker or a question, or a question missing from the cache with no retriever.
   *
   * `signal` (the client disconnected) stops the work before the next generator or judge call.
   *
   * @example
   * ```ts
   * const { scores, details } = await service.score([{ solution_str: text, ground_truth: { target: ['Paris'] }, data_source: 'nq' }]);
   * details[0]?.gbr === details[0]!.genacc - details[0]!.ragGenacc; // true
   * ```
   */
  async score(items: readonly z.output<typeof rewardItemSchema>[], signal?: AbortSignal): Promise<RewardResult> {
    const prepared = items.map((item, i) => this.prepare(item, i));
    const missing = prepared.filter(({ trajectory }) => !this.cache.get(trajectory.dataSource, trajectory.question));
    const filled = new Set(missing.map(({ trajectory }) => key(trajectory.dataSource, trajectory.question)));
    signal?.throwIfAborted();
    if (missing.length > 0) await this.fill(missing);
    // Each generator and judge call first checks the signal: a client that left costs no further call.
    const reward = new GenerationReward({
      generator: stopsWhenAborted(this.options.generator, signal), judge: this.options.judge && stopsWhenAborted(this.options.judge, signal),
      ragCache: this.cache, variant: this.reward, maxTokens: this.options.maxTokens,
    });
    const details = await reward.scoreDetailed(prepared.map(({ trajectory }) => trajectory));
    return {
      scores: details.map((d) => d.reward),
      details: details.map((d, i) => {
        const { trajectory } = prepared[i] as Prepared;
        return {
          genacc: d.genAcc, ragGenacc: d.ragGenAcc ?? 0, gbr: d.gbr ?? d.genAcc, documents: trajectory.documents,
          question: trajectory.question, dataSource: trajectory.dataSource, answer: d.answer,
          ragOnTheFly: filled.has(key(trajectory.dataSource, trajectory.question)),
        };
      }),
    };
  }

  /** An item as a reward trajectory: the generator context from the text after the start marker. */
  private prepare(item: z.output<typeof rewardItemSchema>, i: number): Prepared {
    const transcript = transcriptAfterStartMarker(item.solution_str);
    if (transcript === undefined) {
      throw new RewardRequestError(422, `items[${i}].solution_str lacks the searcher prompt's start marker ${JSON.stringify(SEARCHER_START_MARKER)}; send the decoded prompt + response, not the response alone`, `items.${i}.solution_str`);
    }
    const fromText = firstTaggedSpan(transcript, 'question')?.content;
    const question = item.question ?? item.ground_truth.question ?? (fromText === undefined ? undefined : stripLikePython(fromText));
    if (!question) throw new RewardRequestError(422, `items[${i}]: no <question>…</question> after the start marker and no "question" given`, `items.${i}.question`);
    const dataSource = item.data_source ?? this.options.dataSource ?? this.onlySection();
    if (!dataSource) {
      throw new RewardRequestError(400, `items[${i}].data_source: required, since the RAG cache has ${Object.keys(this.describeCache().dataSources).join(', ') || 'no'} sections and the server has no default (--data-source)`, `items.${i}.data_source`);
    }
    const docs = extractSelectedDocs(transcript);
    const goldenAnswers = item.ground_truth.target;
    return {
      trajectory: { question, goldenAnswers, context: formatGeneratorContext(docs), documents: docs.length, searcherTokens: 0, turns: 0, dataSource },
      goldenAnswers,
    };
  }

  private onlySection(): string | undefined {
    const sections = new Set(this.uniqueEntries().map((e) => e.dataSource));
    return sections.size === 1 ? [...sections][0] : undefined;
  }

  private uniqueEntries(): RagCacheEntry[] {
    const seen = new Map<string, RagCacheEntry>();
    for (const entry of this.cache.entries) seen.set(key(entry.dataSource, entry.question), entry);
    return [...seen.values()];
  }

  /**
   * Computes the naive-RAG GenAcc of questions missing from the cache with `precomputeRagCache`
   * (appending to the cache file), one fill at a time, then reloads the cache.
   */
  private async fill(missing: readonly Prepared[]): Promise<void> {
    const { retriever, ragCache: path } = this.options;
    if (!retriever) {
      const first = missing[0] as Prepared;
      throw new RewardRequestError(422, `${missing.length} question(s) not in the RAG cache ${path}, e.g. ${JSON.stringify(first.trajectory.question)} (data source ${first.trajectory.dataSource}); precompute them (s3lab rag-cache), or give the server a retriever to compute them on the fly`, 'items');
    }
    const run = this.filling.then(async () => {
      const settings = this.cache.entries[0];
      const bySource = new Map<string, Map<string, { id: string; question: string; golden_answers: string[] }>>();
      for (const { trajectory, goldenAnswers } of missing) {
        if (this.cache.get(trajectory.dataSource, trajectory.question)) continue; // filled by an earlier request meanwhile
        const section = bySource.get(trajectory.dataSource) ?? new Map();
        bySource.set(trajectory.dataSource, section);
        const id = `reward-server:${createHash('sha256').update(key(trajectory.dataSource, trajectory.question)).digest('hex').slice(0, 16)}`;
        section.set(id, { id, question: trajectory.question, golden_answers: goldenAnswers });
      }
      for (const [dataSource, questions] of bySource) {
        const result = await precomputeRagCache({
          questions: [...questions.values()], retriever, generator: this.options.generator, judge: this.options.judge,
          out: path, dataSource, k: settings?.k ?? PAPER_SCALE.naiveRagK, contextFormat: settings?.contextFormat ?? 'original', maxTokens: this.options.maxTokens,
        });
        this.onTheFly += result.written;
      }
      if (bySource.size > 0) this.cache = await RagCache.load(path);
    });
    this.filling = run.catch(() => undefined);
    await run;
  }
}

/** `model`, refusing to start a call once `signal` is aborted (same name, so response caches still match). */
function stopsWhenAborted(model: ChatModel, signal: AbortSignal | undefined): ChatModel {
  if (signal === undefined) return model;
  return {
    name: model.name,
    chat: async (requests) => {
      signal.throwIfAborted();
      return model.chat(requests);
    },
    complete: async (requests) => {
      signal.throwIfAborted();
      return model.complete(requests);
    },
  };
}

function key(dataSource: string, question: string): string {
  return `${dataSource}\u0000${question}`;
}
