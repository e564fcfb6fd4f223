/**
 * One PPO actor update as s3lab's trainer makes it, shared by the GPU benchmarks: per micro-batch,
 * old and reference log-probabilities (no gradient), then the clipped surrogate plus the KL penalty
 * and its gradients, accumulated; then global-norm clipping and Adam. Advantages are fixed
 * (sin of the token index): the benchmarks time the step, not what it learns.
 */
import type { TransformerLM } from '../../toolkit/src/models/lm/causal-lm.js';
import { tf, type ScaledAdam } from '../../toolkit/src/models/tfjs/index.js';
import { actionForward, type ActionSequence } from '../../toolkit/src/rl/action-forward.js';
import { accumulateGradients, globalNormScale } from '../../toolkit/src/rl/gradients.js';
import { clippedPolicyLoss, klPenalty, maskedMean } from '../../toolkit/src/rl/losses.js';

export async function ppoActorStep(lm: TransformerLM, sequences: readonly ActionSequence[], optimizer: ScaledAdam, microBatch = sequences.length): Promise<void> {
  let summed: Record<string, tf.Tensor> | undefined;
  for (let first = 0; first < sequences.length; first += microBatch) {
    const rows = sequences.slice(first, first + microBatch);
    const old = tf.tidy(() => actionForward(lm, rows, 0, undefined, { entropy: false }).logProbs);
    const reference = tf.tidy(() => actionForward(lm, rows, 0, undefined, { entropy: false }).logProbs);
    const advantages = tf.tensor1d(Float32Array.from({ length: old.shape[0] }, (_, i) => Math.sin(i)));
    const mask = tf.onesLike(old);
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const { logProbs } = actionForward(lm, rows, 0, undefined, { entropy: false });
      const { loss } = clippedPolicyLoss({ logProbs, oldLogProbs: old, advantages, mask, clipRatio: 0.2 });
      return tf.add(loss, tf.mul(0.001, maskedMean(klPenalty(logProbs, reference, 'low_var_kl'), mask))) as tf.Scalar;
    }), lm.variables);
    await value.data();
    tf.dispose([value, old, reference, advantages, mask]);
    summed = accumulateGradients(summed, grads);
  }
  const grads = summed as Record<string, tf.Tensor>;
  const { scale } = await globalNormScale(grads, 1, Math.ceil(sequences.length / microBatch));
  optimizer.applyScaledGradients(grads, scale);
  tf.dispose(Object.values(grads));
}
