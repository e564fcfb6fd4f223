/**
 * The differentiable pieces of PPO as verl writes them (core_algos.py): the clipped policy
 * loss, the clipped value loss, the per-token KL estimators against the reference policy, and
 * the policy's entropy. Matching verl term by term keeps the paper's hyperparameters (clip 0.2,
 * KL coefficient 0.001, …) meaningful here.
 *
 * Inputs are tensors of one shape ([N] action tokens, or [B, T] with padding), and every mean is
 * a masked mean, sum(x·mask) / max(sum(mask), 1), so padding and non-action tokens never count.
 * Only ops whose gradients run on tfjs's `cpu` and `wasm` backends are used.
 */
import { tf } from '../models/tfjs/index.js';

/**
 * Mean of `x` over the entries where `mask` is 1: sum(x·mask) / max(sum(mask), 1), so an empty
 * mask gives 0 rather than NaN.
 *
 * @example
 * ```ts
 * maskedMean(tf.tensor1d([1, 2, 100]), tf.tensor1d([1, 1, 0])).dataSync(); // [1.5]
 * ```
 */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  sameShape('maskedMean', { x, mask });
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32');
    return tf.div(tf.sum(tf.mul(x, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

export interface ClippedPolicyLossInput {
  /** log π_θ(a_t | s_t) under the policy being trained (carries the gradient). */
  logProbs: tf.Tensor;
  /** The same log-probabilities under the policy that sampled the rollouts. */
  oldLogProbs: tf.Tensor;
  advantages: tf.Tensor;
  /** 1 for action tokens that count, 0 for padding, prompt and observation tokens. */
  mask: tf.Tensor;
  /** PPO's ε: the ratio is clipped to [1 − ε, 1 + ε] (verl `clip_ratio`, 0.2 in the s3 run). */
  clipRatio: number;
}

export interface ClippedPolicyLossResult {
  loss: tf.Scalar;
  /** Share of tokens where the clipped term is the larger loss (its gradient is then zero). */
  clipFraction: tf.Scalar;
  /** Masked mean of old − new log-probability (verl `ppo_kl`). */
  approxKl: tf.Scalar;
}

/**
 * PPO's clipped surrogate (verl `compute_policy_loss`): ratio = exp(logp − old), loss = masked
 * mean of max(−A·ratio, −A·clip(ratio, 1 − ε, 1 + ε)).
 *
 * @example
 * ```ts
 * const { loss } = clippedPolicyLoss({ logProbs: tf.tensor1d([Math.log(2)]), oldLogProbs: tf.tensor1d([0]),
 *   advantages: tf.tensor1d([1]), mask: tf.tensor1d([1]), clipRatio: 0.2 });
 * loss.dataSync(); // [-1.2]: the ratio 2 is clipped to 1.2
 * ```
 */
export function clippedPolicyLoss(input: ClippedPolicyLossInput): ClippedPolicyLossResult {
  const { logProbs, oldLogProbs, advantages, mask, clipRatio } = input;
  sameShape('clippedPolicyLoss', { logProbs, oldLogProbs, advantages, mask });
  if (!(Number.isFinite(clipRatio) && clipRatio > 0)) throw new Error(`clippedPolicyLoss: clipRatio must be a positive number, got ${clipRatio}`);
  return tf.tidy(() => {
    const logRatio = tf.sub(logProbs, oldLogProbs);
    const ratio = tf.exp(logRatio);
    const negA = tf.neg(advantages);
    const unclipped = tf.mul(negA, ratio);
    const clipped = tf.mul(negA, tf.clipByValue(ratio, 1 - clipRatio, 1 + clipRatio));
    return {
      loss: maskedMean(tf.maximum(unclipped, clipped), mask),
      clipFraction: maskedMean(tf.cast(tf.greater(clipped, unclipped), 'float32'), mask),
      approxKl: maskedMean(tf.neg(logRatio), mask),
    };
  });
}

export interface ClippedValueLossInput {
  /** V_φ(s_t) from the critic being trained (carries the gradient). */
  values: tf.Tensor;
  /** The critic's values at rollout time. */
  oldValues: tf.Tensor;
  /** GAE returns: the regression targets. */
  returns: tf.Tensor;
  mask: tf.Tensor;
  /** New values are clipped to old ± this (verl `cliprange_value`, 0.5 by default). */
  clipRange: number;
}

/**
 * The critic's clipped regression loss (verl `compute_value_loss`): 0.5 · masked mean of
 * max((v − R)², (clip(v, old − c, old + c) − R)²); `clipFraction` is the share of tokens where
 * the clipped error is the larger.
 *
 * @example
 * ```ts
 * const { loss } = clippedValueLoss({ values: tf.tensor1d([2]), oldValues: tf.tensor1d([0]),
 *   returns: tf.tensor1d([0]), mask: tf.tensor1d([1]), clipRange: 0.5 });
 * loss.dataSync(); // [2]: 0.5 · max(2², 0.5²)
 * ```
 */
export function clippedValueLoss(input: ClippedValueLossInput): { loss: tf.Scalar; clipFraction: tf.Scalar } {
  const { values, oldValues, returns, mask, clipRange } = input;
  sameShape('clippedValueLoss', { values, oldValues, returns, mask });
  if (!(Number.isFinite(clipRange) && clipRange >= 0)) throw new Error(`clippedValueLoss: clipRange must be a number ≥ 0, got ${clipRange}`);
  return tf.tidy(() => {
    // clip(v, old − c, old + c) with per-token bounds: clipByValue only takes scalar bounds.
    const clippedValues = tf.minimum(tf.maximum(values, tf.sub(oldValues, clipRange)), tf.add(oldValues, clipRange));
    const unclippedError = tf.square(tf.sub(values, returns));
    const clippedError = tf.square(tf.sub(clippedValues, returns));
    return {
      loss: tf.mul(maskedMean(tf.maximum(unclippedError, clippedError), mask), 0.5) as tf.Scalar,
      clipFraction: maskedMean(tf.cast(tf.greater(clippedError, unclippedError), 'float32'), mask),
    };
  });
}

/**
 * KL estimators between the policy and the reference, per token (verl `kl_penalty`); verl's
 * aliases `kl` (= k1), `k2` (= mse) and `k3` (= low_var_kl) are accepted too.
 */
export type KlPenaltyKind = 'k1' | 'kl' | 'abs' | 'mse' | 'k2' | 'low_var_kl' | 'k3';
export const KL_PENALTY_KINDS: readonly KlPenaltyKind[] = ['k1', 'kl', 'abs', 'mse', 'k2', 'low_var_kl', 'k3'];

/**
 * Per-token KL penalty of the policy against the reference policy (verl `kl_penalty`):
 * `k1` logp − ref; `abs` |logp − ref|; `mse` ½(logp − ref)²; `low_var_kl` (Schulman's k3) with
 * kl = ref − logp: exp(kl) − kl − 1, which is ≥ 0; as current verl, kl is clamped to [−20, 20]
 * first (so exp never overflows and gradients stay finite) and the result to [−10, 10].
 * Multiply by the mask before averaging or summing.
 *
 * @example
 * ```ts
 * klPenalty(tf.tensor1d([-1]), tf.tensor1d([-2]), 'k1').dataSync(); // [1]
 * ```
 */
export function klPenalty(logProbs: tf.Tensor, refLogProbs: tf.Tensor, kind: KlPenaltyKind): tf.Tensor {
  sameShape('klPenalty', { logProbs, refLogProbs });
  if (!KL_PENALTY_KINDS.includes(kind)) throw new Error(`klPenalty: unknown kind ${JSON.stringify(kind)}: expected one of ${KL_PENALTY_KINDS.join(', ')}`);
  return tf.tidy(() => {
    switch (kind) {
      case 'k1':
      case 'kl':
        return tf.sub(logProbs, refLogProbs);
      case 'abs':
        return tf.abs(tf.sub(logProbs, refLogProbs));
      case 'mse':
      case 'k2':
        return tf.mul(tf.square(tf.sub(logProbs, refLogProbs)), 0.5);
      case 'low_var_kl':
      case 'k3': {
        const kl = tf.clipByValue(tf.sub(refLogProbs, logProbs), -20, 20);
        return tf.clipByValue(tf.sub(tf.sub(tf.exp(kl), kl), 1), -10, 10);
      }
    }
  });
}

/**
 * Entropy of the categorical distribution given by `logits` over the last axis (verl
 * `entropy_from_logits`, logsumexp(l) − Σ softmax(l)·l), computed as −Σ p·log p with the log
 * from logSoftmax; the result has the logits' shape without the last axis.
 *
 * @example
 * ```ts
 * entropyFromLogits(tf.zeros([2, 16])).dataSync(); // [log 16, log 16] ≈ [2.7726, 2.7726]
 * ```
 */
export function entropyFromLogits(logits: tf.Tensor): tf.Tensor {
  if (logits.rank < 1) throw new Error('entropyFromLogits: logits need at least one axis (the vocabulary)');
  return tf.tidy(() => {
    const logP = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), -1));
  });
}

function sameShape(where: string, tensors: Record<string, tf.Tensor>): void {
  const entries = Object.entries(tensors);
  const [firstName, first] = entries[0]!;
  for (const [name, t] of entries.slice(1)) {
    if (t.shape.join() !== first.shape.join()) {
      throw new Error(`${where}: ${name} has shape [${t.shape.join(', ')}] but ${firstName} has [${first.shape.join(', ')}]; all inputs must have one shape`);
    }
  }
}
