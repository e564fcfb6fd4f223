/**
 * Rollouts: the policy runs its method's loop on a batch of questions (several samples per
 * question for GRPO) — s3's search loop, or Search-R1's or DeepRetrieval's (`labPolicyLoop`) — and
 * the reward scores each run: for s3, the frozen generator answers from the selected documents and
 * GBR scores the answer; for Search-R1, its own answer's exact match; for DeepRetrieval, the recall
 * of the supporting passages. Each rollout keeps the exact tokens sampled and which of them
 * are actions, which is all PPO needs besides the reward.
 */
import { labPolicyLoop, type PolicyLoop } from '../agent/lab-searcher/policy-loop.js';
import type { SearchLoopOptions } from '../agent/searcher/loop.js';
import type { Trajectory } from '../agent/trajectory.js';
import { OnnxCausalLM, onnxRunsHere, type CausalLM, type TransformerLM } from '../models/lm/index.js';
import type { TextTokenizer } from '../models/tokenizer/index.js';
import type { RewardDetail } from '../reward/gbr.js';
import type { RewardTrajectory } from '../reward/types.js';
import { toRewardTrajectory } from '../reward/from-trajectory.js';
import { flattenRecord, LmSearcherPolicy, type LmSearcherOptions } from '../agent/lab-searcher/lm-policy.js';

/**
 * What scores rollouts: `GenerationReward` (GBR with the frozen generator) for s3,
 * `OwnAnswerReward` for Search-R1, `RetrievalRecallReward` for DeepRetrieval; any other rule with
 * the same shape (e.g. a format reward) trains the same way.
 */
export interface RolloutReward {
  scoreDetailed(trajectories: readonly RewardTrajectory[]): Promise<RolloutRewardDetail[]>;
}

/** The parts of a reward the trainer logs (`RewardDetail` of GBR has them all; a rule without a generator leaves `genAcc` null). */
export type RolloutRewardDetail = Pick<RewardDetail, 'reward' | 'ragGenAcc' | 'gbr' | 'answer'> & { genAcc: number | null };

/** A question with what the reward needs. */
export interface TrainingQuestion {
  id: string;
  question: string;
  goldenAnswers: string[];
  /** Question kind, for per-type reports (lab world: single-hop, bridge, …). */
  type?: string;
  /** Ids of the passages that answer it (the lab world's `supporting_facts`; the original's `gt_docs`): DeepRetrieval's reward. */
  supportingDocs?: string[];
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

/** How rollouts run: s3's search loop with these settings, or any method's loop (`labPolicyLoop`). */
export type RolloutLoop = SearchSettings | PolicyLoop;

/** The loop of a rollout setting: a `PolicyLoop` as it is, s3's search settings as s3's loop. */
export function policyLoopOf(loop: RolloutLoop): PolicyLoop {
  if ('run' in loop) return loop;
  return labPolicyLoop('s3', loop);
}

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
  /** s3's search settings, or the loop of another method. */
  search: RolloutLoop;
  /** Sampling of the searcher (temperature 0.6 in the released training run). */
  sampling: LmSearcherOptions;
  /** Method name in the trajectories. Default: the loop's method. */
  method?: string;
}

/** A rollout before the reward: what the policy did, with the question it answered. */
export type SampledRollout = Omit<Rollout, 'reward' | 'detail'> & Pick<TrainingQuestion, 'goldenAnswers' | 'supportingDocs'>;

/**
 * Runs the search loop on one batch (no reward yet), in question order (samples of a question
 * together). With {@link rewardRollouts} it is {@link collectRollouts} in two halves, so a trainer can
 * score the rollouts' log-probabilities while the generator answers.
 */
export async function sampleRollouts(options: Omit<CollectRolloutsOptions, 'reward'>): Promise<{ rollouts: SampledRollout[]; seconds: number }> {
  const started = performance.now();
  const samples = options.samplesPerQuestion ?? 1;
  const repeated = options.questions.flatMap((q) => Array.from({ length: samples }, (_, sample) => ({ q, sample })));
  const loop = policyLoopOf(options.search);
  const method = options.method ?? loop.method;
  const policy = new LmSearcherPolicy(options.sampler ?? options.lm, options.tokenizer, { stopAfter: loop.stopAfter, ...options.sampling }, method);
  const trajectories = await loop.run(repeated.map(({ q }) => q.question), policy, method);
  const rollouts = repeated.map(({ q, sample }, i) => {
    const record = policy.records.get(i);
    if (!record) throw new Error(`sampleRollouts: no token record for rollout ${i} (${q.question})`);
    return {
      questionId: q.id, question: q.question, ...(q.type === undefined ? {} : { type: q.type }), sample, ...flattenRecord(record), trajectory: trajectories[i] as Trajectory,
      goldenAnswers: q.goldenAnswers, ...(q.supportingDocs === undefined ? {} : { supportingDocs: q.supportingDocs }),
    };
  });
  return { rollouts, seconds: (performance.now() - started) / 1000 };
}

/** Scores sampled rollouts with the reward (the frozen generator's answer for GBR), in order. */
export async function rewardRollouts(reward: RolloutReward, sampled: readonly SampledRollout[]): Promise<Rollout[]> {
  const details = await reward.scoreDetailed(sampled.map((r) => toRewardTrajectory(r.trajectory, r.goldenAnswers, undefined, r.supportingDocs)));
  return sampled.map(({ goldenAnswers: _answers, supportingDocs: _docs, ...r }, i) => {
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
