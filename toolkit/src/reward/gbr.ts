/**
 * The s3 reward: the generator answers from the searcher's context, GenAcc scores the answer, and
 * Gain Beyond RAG subtracts the GenAcc the same generator got from naive RAG (read from the RAG
 * cache) — `compute_score_rag` in pat-jj/s3 `verl/utils/reward_score/rag_2.py`. The variant
 * (`gbr` by default, `gbr+genacc` as the released trainer, `genacc`, or GBR over another accuracy:
 * `span`, `em`) is recorded with every score.
 *
 * @example
 * ```ts
 * import { GenerationReward, RagCache, loadLocalChatModel } from '@s3lab/toolkit';
 * const generator = await loadLocalChatModel('test/fixtures/lm/tiny-chat');
 * const reward = new GenerationReward({ generator, judge: generator, ragCache: await RagCache.load('/tmp/rag-cache.jsonl'), dataSource: 'lab' });
 * const scores = await reward.score(trajectories); // one number per trajectory, in [-1, 1] for 'gbr'
 * ```
 */
import { z } from 'zod';
import type { ChatModel } from '../llm/types.js';
import type { RagCache } from './rag-cache.js';
import { scoreContexts, type ScoredContext } from './score.js';
import { REWARD_VARIANTS, type RewardVariant } from '../config/index.js';
import { rewardTrajectorySchema, type Reward, type RewardTrajectory } from './types.js';
import { validateOptions } from '../core/validate.js';
import { spanMatch } from './metrics.js';

/**
 * The reward of one trajectory from its accuracy and the naive-RAG accuracy (ignored by `genacc`);
 * both are the variant's accuracy ({@link rewardAccuracy}).
 *
 * @example
 * ```ts
 * combineReward('gbr', 1, 0); // 1
 * combineReward('gbr+genacc', 1, 1); // 1: no gain, but the answer is right
 * combineReward('em', 0, 1); // -1
 * ```
 */
export function combineReward(variant: RewardVariant, accuracy: number, ragAccuracy: number): number {
  switch (variant) {
    case 'gbr':
    case 'span':
    case 'em':
      return accuracy - ragAccuracy;
    case 'gbr+genacc':
      return accuracy - ragAccuracy + accuracy;
    case 'genacc':
      return accuracy;
  }
}

/** The three accuracies of one answer a reward can be built on. */
export interface AnswerAccuracies {
  genAcc: 0 | 1;
  spanMatch: boolean;
  em: 0 | 1;
}

/**
 * The accuracy a variant rewards: exact match for `em`, the span match alone for `span`, GenAcc
 * (span match, else the judge) for the others.
 *
 * @example
 * ```ts
 * rewardAccuracy('em', { genAcc: 1, spanMatch: true, em: 0 }); // 0: "in 1282" contains the answer, but is not it
 * ```
 */
export function rewardAccuracy(variant: RewardVariant, answer: AnswerAccuracies): 0 | 1 {
  if (variant === 'em') return answer.em;
  if (variant === 'span') return answer.spanMatch ? 1 : 0;
  return answer.genAcc;
}

/** What happens when a question is not in the RAG cache. */
export type MissingRagPolicy = 'error' | 'zero-shot';

export interface GenerationRewardOptions {
  generator: ChatModel;
  /** The GenAcc judge (the original uses the generator's server); omitted = span match only. */
  judge?: ChatModel;
  /** Needed by `gbr` and `gbr+genacc`. */
  ragCache?: RagCache;
  /** Default `gbr`. */
  variant?: RewardVariant;
  /** RAG-cache section of trajectories that name none (default `lab`). */
  dataSource?: string;
  /**
   * A question missing from the cache: `error` (default) throws naming it; `zero-shot` does what
   * the original's trainer does — warns and uses the generator's zero-shot (no context) GenAcc.
   */
  missingRag?: MissingRagPolicy;
  /** Most tokens per generator answer (backend default when omitted). */
  maxTokens?: number;
}

/** Everything behind one reward, for logs and tables. */
export interface RewardDetail {
  question: string;
  answer: string;
  genAcc: 0 | 1;
  judged: boolean;
  /** Naive RAG's GenAcc for the question; `null` for the `genacc` variant. */
  ragGenAcc: 0 | 1 | null;
  /** Where the baseline came from. */
  ragSource: 'cache' | 'zero-shot' | null;
  gbr: number | null;
  reward: number;
  variant: RewardVariant;
  em: 0 | 1;
  f1: number;
}

const optionsSchema = z.object({
  variant: z.enum(REWARD_VARIANTS),
  dataSource: z.string().min(1),
  missingRag: z.enum(['error', 'zero-shot']),
  maxTokens: z.number().int().min(1).optional(),
  hasCache: z.boolean(),
}).refine((o) => o.variant === 'genacc' || o.hasCache, { message: 'every variant but genacc subtracts naive RAG and needs a ragCache', path: ['ragCache'] });

/** DESIGN.md's `Reward`: GBR (default) or one of its variants, computed with the frozen generator. */
export class GenerationReward implements Reward {
  readonly variant: RewardVariant;
  private readonly dataSource: string;
  private readonly missingRag: MissingRagPolicy;

  constructor(private readonly options: GenerationRewardOptions) {
    const settings = validateOptions(optionsSchema, {
      variant: options.variant ?? 'gbr', dataSource: options.dataSource ?? 'lab', missingRag: options.missingRag ?? 'error',
      maxTokens: options.maxTokens, hasCache: options.ragCache !== undefined,
    }, 'GenerationReward');
    this.variant = settings.variant;
    this.dataSource = settings.dataSource;
    this.missingRag = settings.missingRag;
  }

  async score(trajectories: readonly RewardTrajectory[]): Promise<number[]> {
    return (await this.scoreDetailed(trajectories)).map((detail) => detail.reward);
  }

  /** The reward of each trajectory with everything it was computed from. */
  async scoreDetailed(trajectories: readonly RewardTrajectory[]): Promise<RewardDetail[]> {
    trajectories.forEach((t, i) => validateOptions(rewardTrajectorySchema, t, `GenerationReward.score: trajectories[${i}]`));
    const { generator, maxTokens } = this.options;
    const baselines = await this.baselines(trajectories);
    const scored = await scoreContexts(trajectories, { generator, judge: this.judge(), maxTokens });
    return trajectories.map((t, i) => {
      const context = scored[i] as ScoredContext;
      const { answer, genAcc, judged, em, f1 } = context;
      const baseline = baselines[i] ?? null;
      const ragGenAcc = baseline?.accuracies.genAcc ?? null;
      return {
        question: t.question,
        answer,
        genAcc,
        judged,
        ragGenAcc,
        ragSource: baseline?.source ?? null,
        gbr: ragGenAcc === null ? null : genAcc - ragGenAcc,
        reward: combineReward(this.variant, rewardAccuracy(this.variant, context), baseline ? rewardAccuracy(this.variant, baseline.accuracies) : 0),
        variant: this.variant,
        em,
        f1,
      };
    });
  }

  /** The judge, where the variant's accuracy can use one (`span` and `em` never ask it). */
  private judge(): ChatModel | undefined {
    return this.variant === 'span' || this.variant === 'em' ? undefined : this.options.judge;
  }

  /** Naive RAG's accuracies for each trajectory's question (none for `genacc`). */
  private async baselines(trajectories: readonly RewardTrajectory[]): Promise<({ accuracies: AnswerAccuracies; source: 'cache' | 'zero-shot' } | undefined)[]> {
    if (this.variant === 'genacc') return trajectories.map(() => undefined);
    const cache = this.options.ragCache as RagCache;
    const found = trajectories.map((t) => cache.get(t.dataSource ?? this.dataSource, t.question));
    const missing = found.flatMap((entry, i) => (entry ? [] : [i]));
    if (missing.length > 0 && this.missingRag === 'error') {
      const t = trajectories[missing[0] as number] as RewardTrajectory;
      throw new Error(`GenerationReward: ${missing.length} question(s) not in the RAG cache, e.g. ${JSON.stringify(t.question)} (data source ${t.dataSource ?? this.dataSource}); precompute them, or pass missingRag: 'zero-shot'`);
    }
    const zeroShot = new Map<number, AnswerAccuracies>();
    if (missing.length > 0) {
      process.emitWarning(`GenerationReward: ${missing.length} question(s) not in the RAG cache; using zero-shot GenAcc as their baseline`);
      const { generator, maxTokens } = this.options;
      const scored = await scoreContexts(missing.map((i) => ({ ...(trajectories[i] as RewardTrajectory), zeroShot: true })), { generator, judge: this.judge(), maxTokens });
      missing.forEach((i, j) => zeroShot.set(i, scored[j] ?? { genAcc: 0, spanMatch: false, em: 0 }));
    }
    return found.map((entry, i) => (entry
      // The cache keeps the answer, so its span match is computed again against the trajectory's golds.
      ? { accuracies: { genAcc: entry.score, em: entry.emScore, spanMatch: spanMatch(entry.answer, (trajectories[i] as RewardTrajectory).goldenAnswers) }, source: 'cache' as const }
      : { accuracies: zeroShot.get(i) ?? { genAcc: 0, spanMatch: false, em: 0 }, source: 'zero-shot' as const }));
  }
}
