/**
 * GRPO for the searcher (verl's algorithm.adv_estimator=grpo with actor.use_kl_loss and
 * kl_loss_type low_var_kl), on the searcher's own tokens only: retrieved passages are state, never
 * actions. No critic: a group of rollouts of the same question is its own baseline. One
 * `trainStep` is one batch:
 *
 *   1. rollouts   the policy searches `batchSize` questions, `samplesPerQuestion` rollouts each (the
 *                 group); the frozen generator answers from the selected documents and the reward
 *                 (GBR) scores the answer
 *   2. scoring    without gradient: log π_old and log π_ref of every action token (computed while
 *                 the generator answers, in its worker thread)
 *   3. advantages A = (r − mean of the group's r) / (std of the group's r + 1e-6), one number per
 *                 rollout, the same for each of its action tokens (verl's compute_grpo_outcome_advantage)
 *   4. update     for each of ppoEpochs epochs, for each mini-batch of miniBatchSize rollouts (a
 *                 seeded shuffle), Σ over micro-batches of ∇(clipped policy loss − entropyCoef ·
 *                 entropy + klLossCoef · low_var_kl(π, π_ref)), each micro-batch weighted by its
 *                 share of the mini-batch's action tokens; clipped to global norm gradClip; one
 *                 Adam step
 *
 * Hyperparameters (RlConfig; config.ts gives verl's name of each), lab / paper-grpo:
 *   batchSize 8 / 30 questions per step, samplesPerQuestion 4 / 4
 *   ppoEpochs 2 / 1, miniBatchSize 8 / 30 rollouts per update,
 *   microBatchSize 4 / 15 rollouts and microBatchTokens 2,400 / 150,000 padded tokens per pass
 *   actorLearningRate 2e-4 / 1e-6, clipRatio ε 0.2, entropyCoef 0 / 0.001
 *   klLossCoef 0.001 (the KL as a loss, Schulman's k3 estimator; klCoef, PPO's reward penalty, is unused)
 *   gradClip 1, temperature 1 / 0.6, seed 1 / 42
 *
 * Everything random is a function of (seed, step), so a run resumed from a checkpoint draws what
 * the uninterrupted run would have.
 *
 * @example
 * ```ts
 * const trainer = new GrpoTrainer({ lm, reference, tokenizer, reward, search, config: rlConfig('lab'), padId });
 * const { metrics } = await trainer.trainStep(questions);
 * ```
 */
import { Random } from '../core/random.js';
import { tf } from '../models/tfjs/index.js';
import type { TransformerLM } from '../models/lm/index.js';
import { actionForward, type ActionSequence } from './action-forward.js';
import type { RlConfig } from './config.js';
import { groupRelativeAdvantages } from './advantages.js';
import { globalNormScale } from './gradients.js';
import { clippedPolicyLoss, klPenalty } from './losses.js';
import { microBatches } from './micro-batches.js';
import type { TrainingQuestion } from './rollouts.js';
import { scoreBatch, SearcherTrainerBase, type ScoredRollout, type SearcherTrainerOptions, type StepResult, type UpdateMetrics } from './step.js';
import { actionTokens, shuffledMiniBatches, UpdateStats, type MicroBatchLoss } from './update.js';

/** A scored rollout with its group-relative advantage. */
interface GrpoSample extends ScoredRollout {
  advantage: number;
}

/** GRPO; its criticOptimizer is never stepped (no critic) but kept, so a GRPO checkpoint has a PPO checkpoint's layout. */
export class GrpoTrainer extends SearcherTrainerBase {
  readonly algorithm = 'grpo';

  constructor(options: SearcherTrainerOptions) {
    super(options, 'GrpoTrainer');
  }

  async trainStep(questions: readonly TrainingQuestion[]): Promise<StepResult> {
    const step = this.step + 1;
    const started = performance.now();
    // 1–2. Rollouts (the groups) and their rewards; log π_old and log π_ref of every action token.
    const batch = await scoreBatch(this.options, questions, step, undefined);
    // 3. Each rollout's reward against its group's, in the scored (micro-batch) order.
    const advantages = groupRelativeAdvantages(batch.scored.map((s) => s.rollout.reward), batch.scored.map((s) => s.rollout.questionId));
    const samples = batch.scored.map((s, i): GrpoSample => ({ ...s, advantage: advantages[i] as number }));
    // 4. The updates.
    return this.finishStep(step, batch, started, () => this.update(samples, step));
  }

  /** ppoEpochs passes over the batch; one Adam step of the policy per mini-batch. */
  private async update(samples: readonly GrpoSample[], step: number): Promise<UpdateMetrics> {
    const c = this.config;
    const { lm, padId } = this.options;
    const stats = new UpdateStats();
    const policyVariables = lm.variables;
    const pool = await this.gradientPool();
    const random = new Random(c.seed * 7919 + step, 'ppo-mini-batches');
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      for (const mini of shuffledMiniBatches(random, samples, c.miniBatchSize)) {
        const micros = microBatches(mini, c.microBatchSize, c.microBatchTokens, (s) => s.rollout.tokens.length);
        const grads = await pool.gradients(micros, actionTokens(mini), stats, policyVariables, (micro) => grpoLoss(lm, micro, c, padId));
        const { scale, norm } = await globalNormScale(grads, c.gradClip, 1);
        this.actorOptimizer.applyScaledGradients(grads, scale);
        tf.dispose(Object.values(grads));
        await pool.weightsChanged(policyVariables);
        stats.updated(norm);
      }
    }
    return stats.metrics(c, step);
  }
}

/** What the GRPO loss reads of a rollout: its tokens, log π_old and log π_ref of its action tokens, and its advantage. */
export interface GrpoLossSample {
  rollout: ActionSequence;
  old: readonly number[];
  ref: readonly number[];
  advantage: number;
}

/**
 * One micro-batch's GRPO loss: clipped policy loss − β·entropy + klLossCoef · mean low_var_kl to
 * the reference. A function of the policy and the samples alone, so a gradient worker computes it
 * on its own copy of the policy.
 */
export function grpoLoss(lm: TransformerLM, micro: readonly GrpoLossSample[], c: RlConfig, padId: number): MicroBatchLoss {
  const f = actionForward(lm, micro.map((s) => s.rollout), padId);
  const ones = tf.onesLike(f.logProbs);
  const old = tf.tensor1d(micro.flatMap((s) => s.old));
  // The rollout's one advantage on each of its action tokens.
  const advantages = tf.tensor1d(micro.flatMap((s) => s.old.map(() => s.advantage)));
  const policy = clippedPolicyLoss({ logProbs: f.logProbs, oldLogProbs: old, advantages, mask: ones, clipRatio: c.clipRatio });
  const entropy = tf.mean(f.entropy as tf.Tensor1D) as tf.Scalar;
  let loss = tf.sub(policy.loss, tf.mul(c.entropyCoef, entropy));
  if (c.klLossCoef > 0) loss = tf.add(loss, tf.mul(c.klLossCoef, tf.mean(klPenalty(f.logProbs, tf.tensor1d(micro.flatMap((s) => s.ref)), 'low_var_kl'))));
  return { loss: loss as tf.Scalar, terms: { policyLoss: policy.loss, clipFraction: policy.clipFraction, approxKl: policy.approxKl, entropy } };
}
