/**
 * Per-token log-probabilities of sequences under a causal LM, differentiable: the quantity
 * every training objective here is built from (SFT's cross-entropy, PPO's ratio, the KL to a
 * reference policy).
 */
import { fusedKernelsActive, targetLogProbs, tf } from '../tfjs/index.js';
import type { TransformerLM } from './causal-lm.js';

/** A batch of sequences left-padded to one width, with their masks. */
export interface PaddedSequences {
  ids: number[][];
  /** 1 for real tokens, 0 for left padding. */
  keyMask: number[][];
  /** 1 where a token is trained on (its log-probability counts), else 0; same shape as `ids`. */
  lossMask: number[][];
}

/**
 * Left-pads token sequences (with `padId`) into one batch, at least `minWidth` wide. `trainFrom[i]` is
 * the index of the first token of sequence i that the loss covers (e.g. the prompt length for SFT).
 *
 * @example
 * ```ts
 * padSequences([[1, 2, 3], [4, 5]], [2, 1], 0).ids; // [[1, 2, 3], [0, 4, 5]]
 * ```
 */
export function padSequences(sequences: readonly (readonly number[])[], trainFrom: readonly number[], padId: number, minWidth = 0): PaddedSequences {
  const width = Math.max(minWidth, ...sequences.map((s) => s.length));
  const ids: number[][] = [];
  const keyMask: number[][] = [];
  const lossMask: number[][] = [];
  sequences.forEach((sequence, i) => {
    const pad = width - sequence.length;
    ids.push([...new Array<number>(pad).fill(padId), ...sequence]);
    keyMask.push([...new Array<number>(pad).fill(0), ...sequence.map(() => 1)]);
    lossMask.push([...new Array<number>(pad).fill(0), ...sequence.map((_, t) => (t >= (trainFrom[i] ?? 0) ? 1 : 0))]);
  });
  return { ids, keyMask, lossMask };
}

/**
 * log p(ids[b][t] | ids[b][<t]) for t ≥ 1, as [B, T − 1] (position t − 1 of the result scores token t).
 * Padding positions get meaningless values: multiply by the (shifted) loss mask.
 */
export function tokenLogProbs(lm: TransformerLM, batch: Pick<PaddedSequences, 'ids' | 'keyMask'>): tf.Tensor2D {
  return tf.tidy(() => {
    const inputs = batch.ids.map((row) => row.slice(0, -1));
    const mask = batch.keyMask.map((row) => row.slice(0, -1));
    const logits = lm.forwardLogits(inputs, mask);
    const [rows, width, vocab] = logits.shape;
    const logProbs = logProbsOfTargets(tf.reshape(logits, [rows * width, vocab]), batch.ids.flatMap((row) => row.slice(1)));
    return tf.reshape(logProbs, [rows, width]) as tf.Tensor2D;
  });
}

/**
 * log softmax(logits)[target] per row: logits [N, V] and N target ids → [N], differentiable. On
 * WebGPU the fused kernels (no one-hot matrix, see fused/token-log-probs.ts); elsewhere Σ over the
 * vocabulary of onehot · log-softmax, a gather whose gradient WASM can run.
 */
export function logProbsOfTargets(logits: tf.Tensor2D, targets: readonly number[]): tf.Tensor1D {
  return tf.tidy(() => {
    const ids = tf.tensor1d([...targets], 'int32');
    if (fusedKernelsActive()) return targetLogProbs(logits, ids);
    return tf.sum(tf.mul(tf.oneHot(ids, logits.shape[1]), tf.logSoftmax(logits)), -1) as tf.Tensor1D;
  });
}

/** Mean negative log-likelihood over the tokens `lossMask` marks (the SFT loss). */
export function maskedNll(lm: TransformerLM, batch: PaddedSequences): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tokenLogProbs(lm, batch);
    const weights = tf.tensor2d(batch.lossMask.map((row) => row.slice(1)), undefined, 'float32');
    return tf.div(tf.neg(tf.sum(tf.mul(logProbs, weights))), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}
