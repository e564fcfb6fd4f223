/**
 * One forward pass over rollouts that scores only the searcher's own tokens: their
 * log-probabilities, the policy's entropy there, and the critic's values. The last layer and the
 * vocabulary head run on those positions alone (a transcript is mostly retrieved text, which is
 * state), and the positions are cut out with slices — WASM has no gradient for gather.
 *
 * Position t − 1's hidden state predicts token t, so the value of action token t is read there
 * too: the value of the state the token was sampled in.
 */
import type { TransformerLM } from '../models/lm/index.js';
// The module itself, not the package index: that also loads ONNX Runtime, which a trainer does not need.
import { logProbsOfTargets } from '../models/lm/log-probs.js';
import { tf } from '../models/tfjs/index.js';
import { entropyFromLogits } from './losses.js';
import type { ValueHead } from './value-head.js';

/** A rollout's tokens and which of them the searcher wrote. */
export interface ActionSequence {
  tokens: readonly number[];
  /** 1 where the searcher wrote the token (same length as tokens; the first token is never one). */
  actionMask: readonly number[];
}

// A type alias, not an interface, so that tf.tidy accepts it as a TensorContainer.
export type ActionForward = {
  /** log π(token) at every action token, rows in order, [N]. */
  logProbs: tf.Tensor1D;
  /** Entropy of the policy at those positions, [N] (unless `entropy: false`). */
  entropy?: tf.Tensor1D;
  /** The critic's value at those positions, [N] (when a value head is given). */
  values?: tf.Tensor1D;
  /** Action tokens per row (they sum to N). */
  counts: number[];
};

/** Runs of consecutive action tokens: [start, end) pairs. */
export function actionRuns(actionMask: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let t = 0; t < actionMask.length; t++) {
    if (actionMask[t] !== 1) continue;
    if (t === 0) throw new Error('actionRuns: the first token cannot be an action (nothing precedes it)');
    const last = runs.at(-1);
    if (last && last[1] === t) last[1] = t + 1;
    else runs.push([t, t + 1]);
  }
  return runs;
}

/**
 * Differentiable: call inside `tf.variableGrads` to train, or in `tf.tidy` to score.
 *
 * @example
 * ```ts
 * const out = actionForward(lm, [{ tokens: [5, 6, 7, 8], actionMask: [0, 0, 1, 1] }], 0, valueHead);
 * out.logProbs.arraySync(); // log p(7 | 5 6), log p(8 | 5 6 7)
 * ```
 */
export function actionForward(lm: TransformerLM, rows: readonly ActionSequence[], padId: number, valueHead?: ValueHead, options: { entropy?: boolean; width?: number } = {}): ActionForward {
  rows.forEach((row, i) => {
    if (row.tokens.length !== row.actionMask.length) throw new Error(`actionForward: row ${i} has ${row.tokens.length} tokens and ${row.actionMask.length} mask entries`);
  });
  // Left-padded to the longest row, or to `width` (a caller's fixed widths keep WebGPU's buffer pools small).
  const width = Math.max(options.width ?? 0, ...rows.map((r) => r.tokens.length));
  const ids = rows.map((r) => [...new Array<number>(width - r.tokens.length).fill(padId), ...r.tokens]);
  const keyMask = rows.map((r) => [...new Array<number>(width - r.tokens.length).fill(0), ...r.tokens.map(() => 1)]);
  const runsOf = rows.map((r) => actionRuns(r.actionMask));
  const counts = runsOf.map((runs) => runs.reduce((n, [s, e]) => n + e - s, 0));
  const targets = rows.flatMap((r, i) => (runsOf[i] as [number, number][]).flatMap(([s, e]) => r.tokens.slice(s, e)));
  if (targets.length === 0) throw new Error('actionForward: no action tokens in the batch');
  return tf.tidy(() => {
    // Position t − 1 predicts token t: the states before each run of action tokens.
    const select = rows.map((r, i) => {
      const offset = width - r.tokens.length;
      return (runsOf[i] as [number, number][]).flatMap(([s, e]) => Array.from({ length: e - s }, (_, j) => offset + s - 1 + j));
    });
    const states = lm.forwardSelectedStates(ids, keyMask, select);
    const logits = lm.headLogits(states);
    const logProbs = logProbsOfTargets(logits, targets);
    const out: ActionForward = { logProbs, counts };
    if (options.entropy !== false) out.entropy = entropyFromLogits(logits) as tf.Tensor1D;
    if (valueHead) out.values = valueHead.apply(states);
    return out;
  });
}
