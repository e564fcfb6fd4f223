// The PPO losses are checked against numbers worked out by hand (verl's definitions), on both
// CPU backends, forward and gradient: a clip applied on the wrong side or a mask that leaks
// padding would still train, just wrongly, so only exact expectations catch it.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useTfjsBackend } from '@s3lab/toolkit';
import { clippedPolicyLoss, clippedValueLoss, entropyFromLogits, klPenalty, maskedMean, type KlPenaltyKind } from '../../toolkit/src/rl/losses.js';

function close(actual: ArrayLike<number>, expected: readonly number[], tolerance: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}[${i}]: ${actual[i]}, expected ${expected[i]}`);
  }
}
const value = (t: tf.Tensor): number => t.dataSync()[0]!;

// Six tokens, clip ratio 0.2; the last is masked out.
//   token  ratio  A    −A·ratio  −A·clip(ratio)  max           clipped?  d loss / d logp (÷5 tokens)
//   0      1.5    +1   −1.5      −1.2            −1.2 (clip)   yes       0
//   1      1.5    −1   +1.5      +1.2            +1.5          no        −A·ratio/5 = 0.3
//   2      0.5    +1   −0.5      −0.8            −0.5          no        −0.1
//   3      0.5    −2   +1.0      +1.6            +1.6 (clip)   yes       0
//   4      1.1    +2   −2.2      −2.2            −2.2 (tie)    no        −0.44
//   5      3.0    +5   masked
// loss = (−1.2 + 1.5 − 0.5 + 1.6 − 2.2) / 5 = −0.16; clipFraction = 2/5.
const RATIOS = [1.5, 1.5, 0.5, 0.5, 1.1, 3];
const ADVANTAGES = [1, -1, 1, -2, 2, 5];
const OLD = [-1, -2, -0.5, -1.5, -0.3, -1];
const MASK = [1, 1, 1, 1, 1, 0];
const LOGP = OLD.map((o, i) => o + Math.log(RATIOS[i]!));

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`on the ${backend} backend`, () => {
    before(async () => {
      await useTfjsBackend(backend);
    });

    it('maskedMean averages the masked entries only, and an empty mask gives 0', () => {
      assert.equal(value(maskedMean(tf.tensor1d([1, 2, 100]), tf.tensor1d([1, 1, 0]))), 1.5);
      assert.equal(value(maskedMean(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[0, 1], [1, 0]], undefined, 'int32'))), 2.5);
      assert.equal(value(maskedMean(tf.tensor1d([1, 2]), tf.tensor1d([0, 0]))), 0);
      assert.throws(() => maskedMean(tf.tensor1d([1, 2]), tf.tensor1d([1])), /mask has shape \[1\] but x has \[2\]/u);
    });

    it('clippedPolicyLoss matches a hand-computed case where tokens clip on both sides', () => {
      const out = clippedPolicyLoss({ logProbs: tf.tensor1d(LOGP), oldLogProbs: tf.tensor1d(OLD), advantages: tf.tensor1d(ADVANTAGES), mask: tf.tensor1d(MASK), clipRatio: 0.2 });
      assert.ok(Math.abs(value(out.loss) - -0.16) < 1e-6, `loss ${value(out.loss)}`);
      assert.ok(Math.abs(value(out.clipFraction) - 0.4) < 1e-6, `clipFraction ${value(out.clipFraction)}`);
      const approxKl = -RATIOS.slice(0, 5).reduce((s, r) => s + Math.log(r), 0) / 5;
      assert.ok(Math.abs(value(out.approxKl) - approxKl) < 1e-6, `approxKl ${value(out.approxKl)} vs ${approxKl}`);
    });

    it('clippedPolicyLoss has zero gradient on clipped and masked tokens, −A·ratio/N elsewhere', () => {
      const grad = tf.grad((logp: tf.Tensor) => clippedPolicyLoss({ logProbs: logp, oldLogProbs: tf.tensor1d(OLD), advantages: tf.tensor1d(ADVANTAGES), mask: tf.tensor1d(MASK), clipRatio: 0.2 }).loss);
      close(grad(tf.tensor1d(LOGP)).dataSync(), [0, 0.3, -0.1, 0, -0.44, 0], 1e-6, 'dloss/dlogp');
      // The old log-probabilities and the advantages are constants: no gradient is asked through them.
    });

    it('a masked token does not change the policy loss, whatever its values', () => {
      const loss = (logp: number, old: number, advantage: number): number[] => {
        const out = clippedPolicyLoss({
          logProbs: tf.tensor1d([...LOGP.slice(0, 5), logp]), oldLogProbs: tf.tensor1d([...OLD.slice(0, 5), old]),
          advantages: tf.tensor1d([...ADVANTAGES.slice(0, 5), advantage]), mask: tf.tensor1d(MASK), clipRatio: 0.2,
        });
        return [value(out.loss), value(out.clipFraction), value(out.approxKl)];
      };
      const reference = loss(LOGP[5]!, OLD[5]!, ADVANTAGES[5]!);
      assert.deepEqual(loss(-40, 3, -1e4), reference);
      assert.deepEqual(loss(0, -0.1, 0), reference);
      // And the masked token really is excluded, not merely harmless: unmasking it changes the loss.
      const unmasked = clippedPolicyLoss({ logProbs: tf.tensor1d(LOGP), oldLogProbs: tf.tensor1d(OLD), advantages: tf.tensor1d(ADVANTAGES), mask: tf.ones([6]), clipRatio: 0.2 });
      assert.ok(Math.abs(value(unmasked.loss) - (-0.8 - 6) / 6) < 1e-6, `unmasked loss ${value(unmasked.loss)}`);
    });

    it('clippedPolicyLoss works on a [B, T] batch with a padding mask like on the flat tokens', () => {
      const shape: [number, number] = [2, 3];
      const out = clippedPolicyLoss({ logProbs: tf.tensor2d(LOGP, shape), oldLogProbs: tf.tensor2d(OLD, shape), advantages: tf.tensor2d(ADVANTAGES, shape), mask: tf.tensor2d(MASK, shape), clipRatio: 0.2 });
      assert.ok(Math.abs(value(out.loss) - -0.16) < 1e-6);
      assert.throws(() => clippedPolicyLoss({ logProbs: tf.tensor2d(LOGP, shape), oldLogProbs: tf.tensor1d(OLD), advantages: tf.tensor2d(ADVANTAGES, shape), mask: tf.tensor2d(MASK, shape), clipRatio: 0.2 }), /oldLogProbs has shape \[6\] but logProbs has \[2, 3\]/u);
      assert.throws(() => clippedPolicyLoss({ logProbs: tf.tensor1d(LOGP), oldLogProbs: tf.tensor1d(OLD), advantages: tf.tensor1d(ADVANTAGES), mask: tf.tensor1d(MASK), clipRatio: -1 }), /clipRatio must be a positive number/u);
    });

    it('clippedValueLoss clips the new value around the old one, by hand', () => {
      // clip 0.5, old values 0:
      //   v     R    clip(v)  (v−R)²  (clip−R)²  max           d/dv (0.5 · max / 4 tokens)
      //   2     0    0.5      4       0.25       4             0.125 · 2(v−R) = 0.5
      //   2     3    0.5      1       6.25       6.25 (clip)   0
      //   0.1   1    0.1      0.81    0.81       0.81 (tie)    0.125 · 2(−0.9) = −0.225
      //   −1   −2   −0.5      1       2.25       2.25 (clip)   0
      //   100   0    masked
      // loss = 0.5 · (4 + 6.25 + 0.81 + 2.25) / 4 = 1.66375; clipFraction = 2/4.
      const oldValues = tf.tensor1d([0, 0, 0, 0, 0]);
      const returns = tf.tensor1d([0, 3, 1, -2, 0]);
      const mask = tf.tensor1d([1, 1, 1, 1, 0]);
      const values = tf.tensor1d([2, 2, 0.1, -1, 100]);
      const out = clippedValueLoss({ values, oldValues, returns, mask, clipRange: 0.5 });
      assert.ok(Math.abs(value(out.loss) - 1.66375) < 1e-5, `loss ${value(out.loss)}`);
      assert.ok(Math.abs(value(out.clipFraction) - 0.5) < 1e-6, `clipFraction ${value(out.clipFraction)}`);
      const grad = tf.grad((v: tf.Tensor) => clippedValueLoss({ values: v, oldValues, returns, mask, clipRange: 0.5 }).loss);
      close(grad(values).dataSync(), [0.5, 0, -0.225, 0, 0], 1e-6, 'dloss/dv');
      // The clip is around each token's own old value.
      const shifted = clippedValueLoss({ values: tf.tensor1d([2]), oldValues: tf.tensor1d([1.8]), returns: tf.tensor1d([3]), mask: tf.tensor1d([1]), clipRange: 0.5 });
      assert.ok(Math.abs(value(shifted.loss) - 0.5 * 1) < 1e-6 && value(shifted.clipFraction) === 0, `shifted ${value(shifted.loss)}`);
    });

    it('klPenalty gives the k1, abs, mse and k3 estimators on known numbers, aliases included', () => {
      const logp = tf.tensor1d([-1, -2, -0.5]);
      const ref = tf.tensor1d([-2, -1, -0.5]);
      const expected: Record<KlPenaltyKind, number[]> = {
        k1: [1, -1, 0], kl: [1, -1, 0],
        abs: [1, 1, 0],
        mse: [0.5, 0.5, 0], k2: [0.5, 0.5, 0],
        // kl = ref − logp = [−1, 1, 0]: exp(kl) − kl − 1
        low_var_kl: [Math.exp(-1), Math.E - 2, 0], k3: [Math.exp(-1), Math.E - 2, 0],
      };
      for (const [kind, values] of Object.entries(expected)) close(klPenalty(logp, ref, kind as KlPenaltyKind).dataSync(), values, 1e-6, kind);
      assert.throws(() => klPenalty(logp, ref, 'full' as KlPenaltyKind), /unknown kind "full"/u);
    });

    it('low_var_kl is never negative, is clamped to 10, and keeps finite gradients where it clamps', () => {
      const pairs: [number, number][] = [];
      for (let a = -6; a <= 0; a += 0.75) for (let b = -6; b <= 0; b += 0.5) pairs.push([a, b]);
      const k3 = klPenalty(tf.tensor1d(pairs.map((p) => p[0])), tf.tensor1d(pairs.map((p) => p[1])), 'low_var_kl').dataSync();
      k3.forEach((k, i) => assert.ok(k >= 0 && k <= 10, `pair ${pairs[i]}: ${k}`));
      // Far apart in either direction: exp(kl) − kl − 1 ≫ 10, clamped; kl = 200 would overflow float32 without the ±20 clamp.
      const logp = tf.tensor1d([0, -200, -1]);
      const ref = tf.tensor1d([-30, 0, -1.5]);
      close(klPenalty(logp, ref, 'low_var_kl').dataSync(), [10, 10, Math.exp(-0.5) - 0.5], 1e-5, 'clamped');
      const grad = tf.grad((x: tf.Tensor) => tf.sum(klPenalty(x, ref, 'low_var_kl')))(logp).dataSync();
      // d/dlogp (exp(kl) − kl − 1) = 1 − exp(kl), zero where clamped.
      close(grad, [0, 0, 1 - Math.exp(-0.5)], 1e-5, 'gradient');
    });

    it('klPenalty gradients match their closed forms', () => {
      const logp = tf.tensor1d([-1, -2, -0.3]);
      const ref = tf.tensor1d([-2, -1, -0.6]);
      const d = [1, -1, 0.3];
      const gradients: Record<string, number[]> = { k1: [1, 1, 1], abs: d.map(Math.sign), mse: d, low_var_kl: d.map((x) => 1 - Math.exp(-x)) };
      for (const [kind, expected] of Object.entries(gradients)) {
        close(tf.grad((x: tf.Tensor) => tf.sum(klPenalty(x, ref, kind as KlPenaltyKind)))(logp).dataSync(), expected, 1e-5, kind);
      }
    });

    it('entropyFromLogits is log V for a uniform distribution and matches −Σ p log p otherwise', () => {
      close(entropyFromLogits(tf.zeros([2, 3, 16])).dataSync(), new Array<number>(6).fill(Math.log(16)), 1e-6, 'uniform');
      assert.deepEqual(entropyFromLogits(tf.zeros([2, 3, 16])).shape, [2, 3]);
      // p = [1/2, 1/4, 1/4]: H = 1.5 log 2, whatever constant shifts the logits.
      const logits = tf.tensor2d([[Math.log(0.5), Math.log(0.25), Math.log(0.25)], [10 + Math.log(0.5), 10 + Math.log(0.25), 10 + Math.log(0.25)]]);
      close(entropyFromLogits(logits).dataSync(), [1.5 * Math.LN2, 1.5 * Math.LN2], 1e-6, 'known');
      // dH/dl_i = −p_i (log p_i + H).
      const p = [0.5, 0.25, 0.25];
      const h = 1.5 * Math.LN2;
      const grad = tf.grad((l: tf.Tensor) => tf.sum(entropyFromLogits(l)))(tf.tensor1d(p.map(Math.log))).dataSync();
      close(grad, p.map((pi) => -pi * (Math.log(pi) + h)), 1e-6, 'gradient');
    });

    it('leaves no tensors behind but its results', () => {
      const inputs = [tf.tensor1d(LOGP), tf.tensor1d(OLD), tf.tensor1d(ADVANTAGES), tf.tensor1d(MASK)] as const;
      const before = tf.memory().numTensors;
      const out = clippedPolicyLoss({ logProbs: inputs[0], oldLogProbs: inputs[1], advantages: inputs[2], mask: inputs[3], clipRatio: 0.2 });
      const value = clippedValueLoss({ values: inputs[0], oldValues: inputs[1], returns: inputs[2], mask: inputs[3], clipRange: 0.2 });
      const kl = klPenalty(inputs[0], inputs[1], 'low_var_kl');
      const entropy = entropyFromLogits(tf.reshape(inputs[0], [2, 3]));
      const mean = maskedMean(inputs[0], inputs[3]);
      assert.equal(tf.memory().numTensors - before, 3 + 2 + 1 + 1 + 1 + 1, 'only the returned tensors (and the reshape) remain');
      tf.dispose([out, value, kl, entropy, mean, ...inputs]);
    });
  });
}
