/**
 * The bookkeeping of an update pass that PPO (ppo.ts) and GRPO (grpo.ts) share, so each file holds
 * only its own loss: the seeded mini-batches of an epoch, one micro-batch's gradient weighted by its
 * share of the mini-batch's action tokens (the micro-batches' gradients then sum to the gradient of
 * the mini-batch's per-token mean), and the per-token means of the loss terms the step reports.
 */
import type { Random } from '../core/random.js';
import { tf } from '../models/tfjs/index.js';
import type { RlConfig } from './config.js';

export type Gradients = Record<string, tf.Tensor>;

/** The metrics an update pass reports (part of a step's metrics, `RlStepMetrics`): per-token means over every update, the mean gradient norm, the rates. */
export interface UpdateMetrics {
  entropy: number;
  clipFraction: number;
  /** Mean of log π_old − log π over the updates (how far the updates moved the policy). */
  approxKl: number;
  policyLoss: number;
  valueLoss: number;
  gradNorm: number;
  actorLearningRate: number;
  criticLearningRate: number;
}

/** A micro-batch's loss, and the terms the step's metrics average (each a mean over the micro-batch's action tokens). */
export interface MicroBatchLoss {
  loss: tf.Scalar;
  terms: { valueLoss?: tf.Scalar; policyLoss: tf.Scalar; clipFraction: tf.Scalar; approxKl: tf.Scalar; entropy: tf.Scalar };
}

/** What the update needs of a rollout here: its action tokens' old log-probabilities (one per token). */
interface WithActions {
  old: readonly number[];
}

/** Action tokens of rollouts (the tokens the loss averages over). */
export const actionTokens = (items: readonly WithActions[]): number => items.reduce((n, s) => n + s.old.length, 0);

/** The sums behind an update's loss-term means (each term × the micro-batch's action tokens), as one worker reports them to another. */
export type TermSums = Record<keyof MicroBatchLoss['terms'] | 'tokens', number>;

/**
 * One epoch's mini-batches: `items` in a seeded shuffle, cut into groups of `size` (the last may
 * be smaller). One optimizer update per mini-batch.
 *
 * @example
 * ```ts
 * shuffledMiniBatches(new Random(1, 'ppo-mini-batches'), ['a', 'b', 'c'], 2); // e.g. [['c', 'a'], ['b']]
 * ```
 */
export function shuffledMiniBatches<T>(random: Random, items: readonly T[], size: number): T[][] {
  const order = random.shuffle(items.map((_, i) => i));
  const minis: T[][] = [];
  for (let m = 0; m < order.length; m += size) minis.push(order.slice(m, m + size).map((i) => items[i] as T));
  return minis;
}

/**
 * The critic's learning rate at `step`: a linear warm-up over `criticWarmupRatio × steps` steps
 * (verl: critic.optim.lr_warmup_steps_ratio), then `criticLearningRate`.
 *
 * @example
 * ```ts
 * criticLearningRateAt(rlConfig('paper'), 1); // 1e-5: 0.01 × 20 steps rounds up to a one-step warm-up
 * ```
 */
export function criticLearningRateAt(c: RlConfig, step: number): number {
  return c.criticWarmupRatio > 0 ? c.criticLearningRate * Math.min(1, step / Math.max(1, Math.ceil(c.criticWarmupRatio * c.steps))) : c.criticLearningRate;
}

/**
 * The sums behind an update pass's metrics, and the gradients that feed them.
 *
 * @example
 * ```ts
 * const stats = new UpdateStats();
 * const grads = await stats.gradients(micro, actionTokens(mini), lm.variables, () => loss(micro));
 * stats.updated(norm);
 * stats.metrics(config, step).policyLoss; // mean over every action token of every update
 * ```
 */
export class UpdateStats {
  private readonly sums = { entropy: 0, clipFraction: 0, approxKl: 0, policyLoss: 0, valueLoss: 0, tokens: 0, gradNorm: 0, updates: 0 };

  /**
   * ∇ over `variables` of `micro`'s loss × its share of its mini-batch's action tokens
   * (`miniTokens`); the loss terms are added to the sums, weighted by the micro-batch's tokens.
   */
  async gradients(micro: readonly WithActions[], miniTokens: number, variables: tf.Variable[], loss: () => MicroBatchLoss): Promise<Gradients> {
    const weight = actionTokens(micro) / miniTokens;
    const terms: [keyof MicroBatchLoss['terms'], tf.Scalar][] = [];
    const { value, grads } = tf.variableGrads(() => {
      const computed = loss();
      for (const [name, t] of Object.entries(computed.terms)) terms.push([name as keyof MicroBatchLoss['terms'], tf.keep(t)]);
      return tf.mul(computed.loss, weight) as tf.Scalar;
    }, variables);
    value.dispose();
    const tokens = actionTokens(micro);
    for (const [name, t] of terms) {
      this.sums[name] += ((await t.data())[0] as number) * tokens;
      t.dispose();
    }
    this.sums.tokens += tokens;
    return grads;
  }

  /** The loss-term sums so far (what another thread's stats {@link absorb}). */
  termSums(): TermSums {
    const { entropy, clipFraction, approxKl, policyLoss, valueLoss, tokens } = this.sums;
    return { entropy, clipFraction, approxKl, policyLoss, valueLoss, tokens };
  }

  /** Adds loss-term sums computed elsewhere (a gradient worker's micro-batches). */
  absorb(sums: TermSums): void {
    for (const key of Object.keys(sums) as (keyof TermSums)[]) this.sums[key] += sums[key];
  }

  /** Counts one optimizer update and the global norm of its (policy) gradient. */
  updated(gradNorm: number): void {
    this.sums.gradNorm += gradNorm;
    this.sums.updates++;
  }

  /**
   * Per-token means of the loss terms, the mean gradient norm per update, and step `step`'s rates
   * (the critic's is reported by GRPO too, though no critic trains there).
   */
  metrics(c: RlConfig, step: number): UpdateMetrics {
    const s = this.sums;
    const per = (x: number): number => x / Math.max(1, s.tokens);
    return {
      entropy: per(s.entropy), clipFraction: per(s.clipFraction), approxKl: per(s.approxKl), policyLoss: per(s.policyLoss), valueLoss: per(s.valueLoss),
      gradNorm: s.gradNorm / Math.max(1, s.updates), actorLearningRate: c.actorLearningRate, criticLearningRate: criticLearningRateAt(c, step),
    };
  }
}
