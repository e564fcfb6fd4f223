/**
 * The RL configuration, with verl's names in the comments so a reader can hold it next to the s3
 * training script, and four named presets: `paper` (the released run's values, PPO) and its GRPO
 * variant `paper-grpo`; `lab` (scaled to a sub-million-parameter searcher that trains in minutes on
 * two cores, GRPO) and its PPO variant `lab-ppo`. A preset is picked by name; overrides change only
 * the fields they name.
 *
 * @example
 * ```ts
 * import { rlConfig } from '@s3lab/toolkit';
 * const config = rlConfig('lab', { steps: 4 }); // the lab preset (GRPO) with 4 steps
 * const ppo = rlConfig('lab-ppo'); // PPO at lab scale: 16 questions × 1 rollout, KL in the reward
 * ```
 */
import { z } from 'zod';
import { LAB_SCALE, PAPER_SCALE, REWARD_VARIANTS } from '../config/index.js';

export const rlConfigSchema = z.object({
  /** `ppo` (GAE with a critic, the paper) or `grpo` (group-relative advantages, no critic). verl: algorithm.adv_estimator. */
  algorithm: z.enum(['ppo', 'grpo']),
  /** Optimizer updates' rounds: one step = one batch of rollouts. verl: trainer.total_training_steps. */
  steps: z.number().int().min(1),
  /** Questions per step. verl: data.train_batch_size. */
  batchSize: z.number().int().min(1),
  /** Rollouts per question (GRPO's group; 1 for PPO). verl: actor_rollout_ref.rollout.n. */
  samplesPerQuestion: z.number().int().min(1),
  /** Rollouts per optimizer update. verl: actor.ppo_mini_batch_size. */
  miniBatchSize: z.number().int().min(1),
  /** Rollouts per forward/backward pass (gradients accumulate over a mini-batch). verl: ppo_micro_batch_size. */
  microBatchSize: z.number().int().min(1),
  /**
   * Most padded tokens (rows × longest row) in one forward/backward pass: long transcripts go in
   * smaller micro-batches (attention memory grows with the square of the length). verl packs by
   * token count too: actor.ppo_max_token_len_per_gpu.
   */
  microBatchTokens: z.number().int().min(1),
  /** Passes over each batch. verl: actor.ppo_epochs. */
  ppoEpochs: z.number().int().min(1),
  /** verl: actor.optim.lr. */
  actorLearningRate: z.number().positive(),
  /** verl: critic.optim.lr (the value head's rate). */
  criticLearningRate: z.number().positive(),
  /** Fraction of the steps over which the critic's rate warms up linearly. verl: critic.optim.lr_warmup_steps_ratio. */
  criticWarmupRatio: z.number().min(0).max(1),
  /** PPO's ε. verl: actor.clip_ratio. */
  clipRatio: z.number().positive(),
  /** Value clipping around the old values. verl: critic.cliprange_value. */
  valueClipRange: z.number().positive(),
  /** Weight of the value loss in the shared backbone's loss. */
  valueLossCoef: z.number().min(0),
  /** verl: actor.entropy_coeff. */
  entropyCoef: z.number().min(0),
  /** KL to the reference policy, as a per-token reward penalty (PPO). verl: algorithm.kl_ctrl.kl_coef. */
  klCoef: z.number().min(0),
  /** KL to the reference policy as a loss term (GRPO). verl: actor.use_kl_loss / kl_loss_coef (low_var_kl). */
  klLossCoef: z.number().min(0),
  /** verl: algorithm.gamma / algorithm.lam. */
  gamma: z.number().min(0).max(1),
  lambda: z.number().min(0).max(1),
  /** Global-norm gradient clipping. verl: actor.grad_clip. */
  gradClip: z.number().positive(),
  /** Rollout temperature. verl: rollout.temperature. */
  temperature: z.number().min(0),
  /** Searcher tokens per turn. verl: data.max_response_length. */
  maxResponseTokens: z.number().int().min(1),
  /** Searcher preset: documents per query, search turns, documents kept per turn (8-3-3 in the paper). */
  preset: z.string().regex(/^\d+-\d+-\d+$/),
  /** Naive-RAG documents in the searcher's prompt; 0 begins without (the paper's ablation of "begin with search"). */
  initialDocs: z.number().int().min(0),
  /** The searcher's selection decides the generator's documents; false hands it every retrieved document (the paper's ablation). */
  selection: z.boolean(),
  /** `gbr` (the paper), `gbr+genacc` (the released trainer), `genacc`, or GBR over the span match (`span`) or exact match (`em`). */
  reward: z.enum(REWARD_VARIANTS),
  /** Drop training questions naive RAG already answers (the paper's filter). */
  filterSolvedByRag: z.boolean(),
  seed: z.number().int(),
});
export type RlConfig = z.output<typeof rlConfigSchema>;

/** The released s3 run (scripts/train/train_s3.sh and s3-spec.md). */
const PAPER: RlConfig = {
  algorithm: 'ppo', steps: 20, batchSize: 120, samplesPerQuestion: 1, miniBatchSize: 30, microBatchSize: 15, microBatchTokens: 15 * 10_000, ppoEpochs: 1,
  actorLearningRate: 1e-6, criticLearningRate: 1e-5, criticWarmupRatio: 0.01, clipRatio: 0.2, valueClipRange: 0.5, valueLossCoef: 1,
  entropyCoef: 0.001, klCoef: 0.001, klLossCoef: 0, gamma: 1, lambda: 1, gradClip: 1, temperature: 0.6, maxResponseTokens: PAPER_SCALE.searcherMaxTokens,
  preset: PAPER_SCALE.searchPreset, initialDocs: PAPER_SCALE.initialDocs, selection: true, reward: PAPER_SCALE.reward, filterSolvedByRag: true, seed: 42,
};

/**
 * The lab world on two cores: a from-scratch searcher learns far faster than a 7B model may move,
 * so the rates are larger; batches are small; three initial documents (the naive-RAG baseline's
 * three) keep the prompt near 500 tokens, and the paper's 8-3-3 preset lets one follow-up search
 * bring 8 new candidates; turns get 192 tokens; and the training questions are not filtered by the
 * RAG cache, so the searcher also meets the questions where searching more loses what naive RAG had
 * (the filter keeps only questions whose GBR cannot go below 0). Rollouts sample at temperature 1:
 * the warm-started policy's distribution is its demonstrations' mixture, and 0.6 would sharpen it
 * to the most common action and leave little for RL to compare. No entropy bonus: in a batch
 * whose advantages are all 0 it is the only gradient, and Adam scales it up to full-size steps.
 */
const LAB_COMMON: Omit<RlConfig, 'algorithm' | 'steps' | 'batchSize' | 'samplesPerQuestion' | 'klCoef' | 'klLossCoef'> = {
  ...PAPER,
  miniBatchSize: 8, microBatchSize: 4, microBatchTokens: 2400, ppoEpochs: 2,
  actorLearningRate: 2e-4, criticLearningRate: 2e-3, criticWarmupRatio: 0, valueLossCoef: 0.5, entropyCoef: 0,
  temperature: 1, maxResponseTokens: LAB_SCALE.searcherMaxTokens, preset: LAB_SCALE.searchPreset, initialDocs: LAB_SCALE.initialDocs, filterSolvedByRag: false, seed: 1,
};

/**
 * The lab preset (`lab`) is GRPO: 8 questions × 4 rollouts per step, KL as a loss. The decision RL has to
 * learn here is whether one more search pays for this question, and a group of rollouts of the same
 * question compares searching with stopping directly; the reward is 0 or ±1 and mostly 0, so PPO's
 * single rollout per question against a learned baseline saw that contrast too rarely: at the same
 * cost (12 steps of 16 questions) PPO's greedy searcher did not move from its warm start (RL − SFT
 * GBR 0.0) where GRPO's gained 9.3 points (2026-11-30, README "Training the searcher").
 */
const LAB_GRPO: RlConfig = { ...LAB_COMMON, algorithm: 'grpo', steps: 10, batchSize: 8, samplesPerQuestion: 4, klCoef: 0, klLossCoef: 0.001 };

/** PPO at lab scale: the paper's algorithm, 12 steps of 16 questions, one rollout each, the KL penalty in the reward. */
const LAB_PPO: RlConfig = { ...LAB_COMMON, algorithm: 'ppo', steps: 12, batchSize: 16, samplesPerQuestion: 1, klCoef: 0.001, klLossCoef: 0 };

/**
 * GRPO over the paper's settings: 4 rollouts per question for a quarter of the questions (the same
 * rollouts per step), KL as a loss of 0.001 instead of a reward penalty.
 */
const PAPER_GRPO: RlConfig = { ...PAPER, algorithm: 'grpo', batchSize: Math.round(PAPER.batchSize / 4), samplesPerQuestion: 4, klCoef: 0, klLossCoef: 0.001 };

export const RL_PRESETS = { paper: PAPER, 'paper-grpo': PAPER_GRPO, lab: LAB_GRPO, 'lab-ppo': LAB_PPO } as const;
export type RlPresetName = keyof typeof RL_PRESETS;

/**
 * A named preset with overrides, validated. Overrides change only the fields they name: an
 * `algorithm` override swaps the algorithm and nothing else (for another algorithm's settings, name
 * its preset: `lab-ppo`, `paper-grpo`).
 *
 * @example
 * ```ts
 * rlConfig('paper-grpo', { seed: 7 }).batchSize; // 30: 30 questions × 4 rollouts
 * ```
 */
export function rlConfig(preset: RlPresetName, overrides: Partial<RlConfig> = {}): RlConfig {
  const named = Object.hasOwn(RL_PRESETS, preset) ? RL_PRESETS[preset] : undefined;
  if (named === undefined) throw new RangeError(`unknown RL preset ${JSON.stringify(preset)}: expected ${Object.keys(RL_PRESETS).join(', ')}`);
  const parsed = rlConfigSchema.safeParse({ ...named, ...overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`RL config: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
