/**
 * PPO for the searcher, as the s3 paper runs it (verl's PPO with GAE: s3-spec.md, "PPO settings
 * of the released run"), on the searcher's own tokens only: retrieved passages are state, never
 * actions. One `trainStep` is one batch:
 *
 *   1. rollouts   the policy searches `batchSize` questions (one rollout each); the frozen generator
 *                 answers from the selected documents and the reward (GBR) scores the answer
 *   2. scoring    without gradient: log π_old and log π_ref of every action token, and the critic's
 *                 values V_old (computed while the generator answers, in its worker thread)
 *   3. advantages per-token rewards r_t = −klCoef · (log π_old − log π_ref), plus the reward on the
 *                 rollout's last action token; GAE(γ, λ) over the action tokens with V_old; the
 *                 advantages whitened over the batch (verl's masked_whiten); returns = A + V_old
 *   4. update     for each of ppoEpochs epochs, for each mini-batch of miniBatchSize rollouts (a
 *                 seeded shuffle), Σ over micro-batches of ∇(clipped policy loss − entropyCoef ·
 *                 entropy + valueLossCoef · clipped value loss), each micro-batch weighted by its
 *                 share of the mini-batch's action tokens; the policy's and the critic's gradients
 *                 each clipped to global norm gradClip; one Adam step for each
 *
 * Hyperparameters (RlConfig; config.ts gives verl's name of each), paper / lab-ppo:
 *   batchSize 120 / 16 questions per step, samplesPerQuestion 1 / 1
 *   ppoEpochs 1 / 2, miniBatchSize 30 / 8 rollouts per update,
 *   microBatchSize 15 / 4 rollouts and microBatchTokens 150,000 / 2,400 padded tokens per pass
 *   actorLearningRate 1e-6 / 2e-4, criticLearningRate 1e-5 / 2e-3, criticWarmupRatio 0.01 / 0
 *   clipRatio ε 0.2, valueClipRange 0.5, valueLossCoef 1 / 0.5, entropyCoef 0.001 / 0
 *   klCoef 0.001 (the KL penalty in the reward), klLossCoef 0 (a KL loss term as GRPO's, if set)
 *   gamma 1, lambda 1, gradClip 1, temperature 0.6 / 1, seed 42 / 1
 *
 * The critic is a value head on the policy's backbone (value-head.ts). Everything random is a
 * function of (seed, step), so a run resumed from a checkpoint draws what the uninterrupted run
 * would have.
 *
 * @example
 * ```ts
 * const trainer = new PpoTrainer({ lm, reference, valueHead, tokenizer, reward, search, config: rlConfig('lab-ppo'), padId });
 * const { metrics } = await trainer.trainStep(questions);
 * ```
 */
import { Random } from '../core/random.js';
import { tf } from '../models/tfjs/index.js';
import type { TransformerLM } from '../models/lm/index.js';
import { actionForward, type ActionSequence } from './action-forward.js';
import type { RlConfig } from './config.js';
import { gaeAdvantages, whiten } from './advantages.js';
import { globalNormScale } from './gradients.js';
import { clippedPolicyLoss, clippedValueLoss, klPenalty } from './losses.js';
import { microBatches } from './micro-batches.js';
import type { TrainingQuestion } from './rollouts.js';
import { scoreBatch, SearcherTrainerBase, type ScoredRollout, type SearcherTrainerOptions, type StepResult, type UpdateMetrics } from './step.js';
import { actionTokens, criticLearningRateAt, shuffledMiniBatches, UpdateStats, type MicroBatchLoss } from './update.js';
import type { ValueHead } from './value-head.js';

/** A scored rollout with its per-token advantages (whitened) and returns (the critic's targets). */
interface PpoSample extends ScoredRollout {
  advantages: number[];
  returns: number[];
}

/** PPO with a critic: `valueHead` is required, and trained with the policy. */
export class PpoTrainer extends SearcherTrainerBase {
  readonly algorithm = 'ppo';
  private readonly valueHead: ValueHead;

  constructor(options: SearcherTrainerOptions) {
    if (!options.valueHead) throw new Error('PpoTrainer: PPO needs a valueHead (the critic)');
    super(options, 'PpoTrainer');
    this.valueHead = options.valueHead;
  }

  async trainStep(questions: readonly TrainingQuestion[]): Promise<StepResult> {
    const c = this.config;
    const step = this.step + 1;
    const started = performance.now();
    // 1–2. Rollouts and their rewards; log π_old, log π_ref and V_old of every action token.
    const batch = await scoreBatch(this.options, questions, step, this.valueHead);
    // 3. The KL penalty on every action token, the reward on the last one (verl's token_level_rewards); GAE; whitening.
    const tokenRewards = batch.scored.map((s) => s.old.map((o, t) => -c.klCoef * (o - (s.ref[t] as number)) + (t === s.old.length - 1 ? s.rollout.reward : 0)));
    const gae = gaeAdvantages(tokenRewards, batch.scored.map((s) => s.values), { gamma: c.gamma, lambda: c.lambda });
    const whitened = whiten(gae.advantages);
    const samples = batch.scored.map((s, i): PpoSample => ({ ...s, advantages: whitened[i] as number[], returns: gae.returns[i] as number[] }));
    // 4. The updates.
    return this.finishStep(step, batch, started, () => this.update(samples, step));
  }

  /** ppoEpochs passes over the batch; one Adam step of the policy and of the critic per mini-batch. */
  private async update(samples: readonly PpoSample[], step: number): Promise<UpdateMetrics> {
    const c = this.config;
    const { lm, padId } = this.options;
    const valueHead = this.valueHead;
    (this.criticOptimizer as unknown as { learningRate: number }).learningRate = criticLearningRateAt(c, step);
    const stats = new UpdateStats();
    const variables = [...lm.variables, ...valueHead.variables];
    const criticNames = new Set(valueHead.variables.map((v) => v.name));
    const pool = await this.gradientPool();
    const random = new Random(c.seed * 7919 + step, 'ppo-mini-batches');
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      for (const mini of shuffledMiniBatches(random, samples, c.miniBatchSize)) {
        const micros = microBatches(mini, c.microBatchSize, c.microBatchTokens, (s) => s.rollout.tokens.length);
        const all = await pool.gradients(micros, actionTokens(mini), stats, variables, (micro) => ppoLoss(lm, valueHead, micro, c, padId));
        // The policy and the critic are clipped and stepped apart (verl has two models and two optimizers).
        const actor = Object.fromEntries(Object.entries(all).filter(([name]) => !criticNames.has(name)));
        const critic = Object.fromEntries(Object.entries(all).filter(([name]) => criticNames.has(name)));
        const { scale, norm } = await globalNormScale(actor, c.gradClip, 1);
        this.actorOptimizer.applyScaledGradients(actor, scale);
        if (Object.keys(critic).length > 0) this.criticOptimizer.applyScaledGradients(critic, (await globalNormScale(critic, c.gradClip, 1)).scale);
        tf.dispose(Object.values(all));
        await pool.weightsChanged(variables);
        stats.updated(norm);
      }
    }
    return stats.metrics(c, step);
  }
}

/** What the PPO loss reads of a rollout: its tokens and, per action token, log π_old, log π_ref, V_old, the advantage and the return. */
export interface PpoLossSample {
  rollout: ActionSequence;
  old: readonly number[];
  ref: readonly number[];
  values: readonly number[];
  advantages: readonly number[];
  returns: readonly number[];
}

/**
 * One micro-batch's PPO loss: clipped policy loss − β·entropy + c·clipped value loss (+ a KL loss,
 * if klLossCoef is set). A function of the policy, the critic and the samples alone, so a gradient
 * worker computes it on its own copies.
 */
export function ppoLoss(lm: TransformerLM, valueHead: ValueHead, micro: readonly PpoLossSample[], c: RlConfig, padId: number): MicroBatchLoss {
  const f = actionForward(lm, micro.map((s) => s.rollout), padId, valueHead);
  // Every entry of f is an action token, so the mask is all ones.
  const mask = tf.onesLike(f.logProbs);
  const perToken = (pick: (s: PpoLossSample) => readonly number[]): tf.Tensor1D => tf.tensor1d(micro.flatMap(pick));
  const policy = clippedPolicyLoss({ logProbs: f.logProbs, oldLogProbs: perToken((s) => s.old), advantages: perToken((s) => s.advantages), mask, clipRatio: c.clipRatio });
  const entropy = tf.mean(f.entropy as tf.Tensor1D) as tf.Scalar;
  let loss = tf.sub(policy.loss, tf.mul(c.entropyCoef, entropy));
  const value = clippedValueLoss({ values: f.values as tf.Tensor1D, oldValues: perToken((s) => s.values), returns: perToken((s) => s.returns), mask, clipRange: c.valueClipRange });
  loss = tf.add(loss, tf.mul(c.valueLossCoef, value.loss));
  if (c.klLossCoef > 0) loss = tf.add(loss, tf.mul(c.klLossCoef, tf.mean(klPenalty(f.logProbs, perToken((s) => s.ref), 'low_var_kl'))));
  return { loss: loss as tf.Scalar, terms: { valueLoss: value.loss, policyLoss: policy.loss, clipFraction: policy.clipFraction, approxKl: policy.approxKl, entropy } };
}
