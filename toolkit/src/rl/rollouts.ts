/**
 * Rollouts: the searcher policy runs the s3 loop on a batch of questions (several samples per
 * question for GRPO), the frozen generator answers from each run's selected documents, and the
 * reward (GBR by default) scores it. Each rollout keeps the exact tokens sampled and which of them
 * are actions, which is all PPO needs besides the reward.
 */
import { runSearchLoop, type SearchLoopOptions } from '../agent/searcher/loop.js';
import type { Trajectory } from '../agent/trajectory.js';
import type { TransformerLM } from '../models/lm/index.js';
import type { TextTokenizer } from '../models/tokenizer/index.js';
import type { RewardDetail } from '../reward/gbr.js';
import type { RewardTrajectory } from '../reward/types.js';
import { flattenRecord, LmSearcherPolicy, type LmSearcherOptions } from './lm-searcher.js';

/**
 * What scores rollouts: `GenerationReward` (GBR with the frozen generator) in every real run; any
 * other rule with the same shape (e.g. a format reward) trains the same way.
 */
export interface RolloutReward {
  scoreDetailed(trajectories: readonly RewardTrajectory[]): Promise<RolloutRewardDetail[]>;
}

/** The parts of a reward the trainer logs. */
export type RolloutRewardDetail = Pick<RewardDetail, 'reward' | 'genAcc' | 'ragGenAcc' | 'gbr' | 'answer'>;

/** A question with what the reward needs. */
export interface TrainingQuestion {
  id: string;
  question: string;
  goldenAnswers: string[];
  /** Question kind, for per-type reports (lab world: single-hop, bridge, …). */
  type?: string;
}

export interface Rollout {
  questionId: string;
  question: string;
  type?: string;
  /** The sample's index among its question's samples. */
  sample: number;
  tokens: number[];
  actionMask: number[];
  promptLength: number;
  trajectory: Trajectory;
  reward: number;
  detail: RolloutRewardDetail;
}

export interface CollectedRollouts {
  rollouts: Rollout[];
  /** Wall time of the search loop (the policy's generation and retrieval) and of the reward (the generator). */
  seconds: { search: number; reward: number };
}

export type SearchSettings = Omit<SearchLoopOptions, 'questions' | 'method'>;

export interface CollectRolloutsOptions {
  lm: TransformerLM;
  tokenizer: TextTokenizer;
  reward: RolloutReward;
  questions: readonly TrainingQuestion[];
  /** Runs per question (GRPO's group size). Default 1. */
  samplesPerQuestion?: number;
  search: SearchSettings;
  /** Sampling of the searcher (temperature 0.6 in the released training run). */
  sampling: LmSearcherOptions;
  /** Method name in the trajectories. Default `s3`. */
  method?: string;
}

/**
 * Runs and scores one batch of rollouts, in question order (samples of a question together).
 *
 * @example
 * ```ts
 * const { rollouts } = await collectRollouts({ lm, tokenizer, reward, questions, search: { retriever, preset: '3-3-3', initialDocs: 3 }, sampling: { temperature: 0.6, seed: 7 } });
 * console.log(rollouts.map((r) => r.reward));
 * ```
 */
export async function collectRollouts(options: CollectRolloutsOptions): Promise<CollectedRollouts> {
  const started = performance.now();
  const samples = options.samplesPerQuestion ?? 1;
  const repeated = options.questions.flatMap((q) => Array.from({ length: samples }, (_, sample) => ({ q, sample })));
  const policy = new LmSearcherPolicy(options.lm, options.tokenizer, options.sampling, options.method ?? 's3');
  const trajectories = await runSearchLoop({ ...options.search, questions: repeated.map(({ q }) => q.question), policy, method: options.method ?? 's3' });
  const searched = performance.now();
  const details = await options.reward.scoreDetailed(trajectories.map((t, i) => ({
    question: t.question,
    goldenAnswers: (repeated[i] as (typeof repeated)[number]).q.goldenAnswers,
    context: t.context,
    documents: t.counts.documents,
    searcherTokens: t.counts.searcherTokens,
    turns: t.counts.turns,
  })));
  const scored = performance.now();
  const rollouts = repeated.map(({ q, sample }, i) => {
    const record = policy.records.get(i);
    if (!record) throw new Error(`collectRollouts: no token record for rollout ${i} (${q.question})`);
    const detail = details[i] as RolloutRewardDetail;
    return { questionId: q.id, question: q.question, ...(q.type === undefined ? {} : { type: q.type }), sample, ...flattenRecord(record), trajectory: trajectories[i] as Trajectory, reward: detail.reward, detail };
  });
  return { rollouts, seconds: { search: (searched - started) / 1000, reward: (scored - searched) / 1000 } };
}
