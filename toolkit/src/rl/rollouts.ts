/**
 * Rollouts: the searcher policy runs the s3 loop on a batch of questions (several samples per
 * question for GRPO), the frozen generator answers from each run's selected documents, and the
 * reward (GBR by default) scores it. Each rollout keeps the exact tokens sampled and which of them
 * are actions, which is all PPO needs besides the reward.
 */
import { runSearchLoop, type SearchLoopOptions } from '../agent/searcher/loop.js';
import type { Trajectory } from '../agent/trajectory.js';
import { OnnxCausalLM, onnxRunsHere, type CausalLM, type TransformerLM } from '../models/lm/index.js';
import type { TextTokenizer } from '../models/tokenizer/index.js';
import type { RewardDetail } from '../reward/gbr.js';
import type { RewardTrajectory } from '../reward/types.js';
import { toRewardTrajectory } from '../reward/from-trajectory.js';
import { flattenRecord, LmSearcherPolicy, type LmSearcherOptions } from '../agent/lab-searcher/lm-policy.js';

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
  /** The policy; rollouts are sampled from `sampler` when one is given (a copy of the same weights). */
  lm: TransformerLM;
  /** A faster copy of `lm`'s current weights to sample with (an ONNX Runtime snapshot; see {@link inferenceCopy}). */
  sampler?: CausalLM;
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

/** A rollout before the reward: what the policy did, with the question it answered. */
export type SampledRollout = Omit<Rollout, 'reward' | 'detail'> & { goldenAnswers: string[] };

/**
 * Runs the search loop on one batch (no reward yet), in question order (samples of a question
 * together). With {@link rewardRollouts} it is {@link collectRollouts} in two halves, so a trainer can
 * score the rollouts' log-probabilities while the generator answers.
 */
export async function sampleRollouts(options: Omit<CollectRolloutsOptions, 'reward'>): Promise<{ rollouts: SampledRollout[]; seconds: number }> {
  const started = performance.now();
  const samples = options.samplesPerQuestion ?? 1;
  const repeated = options.questions.flatMap((q) => Array.from({ length: samples }, (_, sample) => ({ q, sample })));
  const policy = new LmSearcherPolicy(options.sampler ?? options.lm, options.tokenizer, options.sampling, options.method ?? 's3');
  const trajectories = await runSearchLoop({ ...options.search, questions: repeated.map(({ q }) => q.question), policy, method: options.method ?? 's3' });
  const rollouts = repeated.map(({ q, sample }, i) => {
    const record = policy.records.get(i);
    if (!record) throw new Error(`sampleRollouts: no token record for rollout ${i} (${q.question})`);
    return { questionId: q.id, question: q.question, ...(q.type === undefined ? {} : { type: q.type }), sample, ...flattenRecord(record), trajectory: trajectories[i] as Trajectory, goldenAnswers: q.goldenAnswers };
  });
  return { rollouts, seconds: (performance.now() - started) / 1000 };
}

/** Scores sampled rollouts with the reward (the frozen generator's answer for GBR), in order. */
export async function rewardRollouts(reward: RolloutReward, sampled: readonly SampledRollout[]): Promise<Rollout[]> {
  const details = await reward.scoreDetailed(sampled.map((r) => toRewardTrajectory(r.trajectory, r.goldenAnswers)));
  return sampled.map(({ goldenAnswers: _answers, ...r }, i) => {
    const detail = details[i] as RolloutRewardDetail;
    return { ...r, reward: detail.reward, detail };
  });
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
  const sampled = await sampleRollouts(options);
  const started = performance.now();
  const rollouts = await rewardRollouts(options.reward, sampled.rollouts);
  return { rollouts, seconds: { search: sampled.seconds, reward: (performance.now() - started) / 1000 } };
}

/**
 * What a step samples rollouts and scores them with: on the CPU, an ONNX Runtime copy of the
 * model's current weights (multi-threaded, several times faster than tfjs on WASM; made again each
 * step, in tens of milliseconds; on `threads` intra-op threads, default every core); on a GPU or for GPT-2, the model itself. The same weights and the
 * same seeded sampler, so the same rollouts but for floating-point rounding.
 *
 * @example
 * ```ts
 * const sampler = await inferenceCopy(lm);
 * const { rollouts } = await sampleRollouts({ lm, sampler: sampler.model, tokenizer, questions, search, sampling });
 * sampler.dispose();
 * ```
 */
export async function inferenceCopy(lm: TransformerLM, threads?: number): Promise<{ model: CausalLM; dispose(): void }> {
  if (!(await onnxRunsHere(lm.family))) return { model: lm, dispose: () => undefined };
  const copy = await OnnxCausalLM.fromTransformerLM(lm, threads === undefined ? {} : { threads });
  return { model: copy, dispose: () => copy.dispose() };
}
