// Advantages decide which of the searcher's tokens PPO/GRPO reinforce, and a sign or index slip
// here trains silently in the wrong direction; so every estimator is checked against values
// worked out by hand (verl's definitions), not against its own output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gaeAdvantages, groupRelativeAdvantages, whiten } from '../../toolkit/src/rl/advantages.js';

function close(actual: readonly number[], expected: readonly number[], tolerance = 1e-9, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tolerance, `${what}[${i}]: ${a}, expected ${expected[i]}`));
}

describe('gaeAdvantages', () => {
  it('with γ = λ = 1 and the reward on the last token gives A_t = R − V_t', () => {
    const { advantages, returns } = gaeAdvantages([[0, 0, 0, 1]], [[0.1, 0.3, 0.6, 0.9]], { gamma: 1, lambda: 1 });
    close(advantages[0]!, [0.9, 0.7, 0.4, 0.1], 1e-12, 'A');
    close(returns[0]!, [1, 1, 1, 1], 1e-12, 'returns');
  });

  it('matches a case with γ = λ = 0.5 worked by hand', () => {
    // rewards [0.1, -0.2, 1] (KL penalties on the first tokens, the outcome on the last), values [0.5, 0.4, 0.6]:
    // t=2: δ = 1 + 0.5·0 − 0.6 = 0.4;        A = 0.4
    // t=1: δ = −0.2 + 0.5·0.6 − 0.4 = −0.3;  A = −0.3 + 0.25·0.4 = −0.2
    // t=0: δ = 0.1 + 0.5·0.4 − 0.5 = −0.2;  A = −0.2 + 0.25·(−0.2) = −0.25
    // returns = A + V = [0.25, 0.2, 1.0]
    const { advantages, returns } = gaeAdvantages([[0.1, -0.2, 1]], [[0.5, 0.4, 0.6]], { gamma: 0.5, lambda: 0.5 });
    close(advantages[0]!, [-0.25, -0.2, 0.4], 1e-12, 'A');
    close(returns[0]!, [0.25, 0.2, 1.0], 1e-12, 'returns');
  });

  it('keeps γ and λ apart: λ = 1 is the discounted return minus V, λ = 0 is the one-step TD error', () => {
    const rewards = [0.2, -0.1, 0.5, 1];
    const values = [0.3, 0.8, -0.4, 0.6];
    const gamma = 0.9;
    const monteCarlo = gaeAdvantages([rewards], [values], { gamma, lambda: 1 }).advantages[0]!;
    const discounted = rewards.map((_, t) => rewards.slice(t).reduce((sum, r, k) => sum + gamma ** k * r, 0));
    close(monteCarlo, discounted.map((g, t) => g - values[t]!), 1e-12, 'λ=1');
    const td = gaeAdvantages([rewards], [values], { gamma, lambda: 0 }).advantages[0]!;
    close(td, rewards.map((r, t) => r + gamma * (values[t + 1] ?? 0) - values[t]!), 1e-12, 'λ=0');
  });

  it('returns A + V for every token', () => {
    const values = [[0.3, -0.2, 0.7], [1.5]];
    const { advantages, returns } = gaeAdvantages([[0.1, 0, 2], [-1]], values, { gamma: 0.95, lambda: 0.8 });
    returns.forEach((row, i) => close(row, advantages[i]!.map((a, t) => a + values[i]![t]!), 1e-12, `sequence ${i}`));
  });

  it('treats ragged sequences independently, each ending with V = 0', () => {
    const options = { gamma: 0.7, lambda: 0.6 };
    const rewards = [[0, 0, 0, 0, 1], [0.5], [0, -1]];
    const values = [[0.2, 0.1, 0.4, 0.3, 0.5], [0.25], [0.9, -0.3]];
    const together = gaeAdvantages(rewards, values, options);
    rewards.forEach((r, i) => {
      const alone = gaeAdvantages([r], [values[i]!], options);
      assert.deepEqual(together.advantages[i], alone.advantages[0]);
      assert.deepEqual(together.returns[i], alone.returns[0]);
    });
    // A one-token sequence: A = r − V.
    close(together.advantages[1]!, [0.25], 1e-12, 'one token');
    assert.deepEqual(gaeAdvantages([[]], [[]], options), { advantages: [[]], returns: [[]] });
  });

  it('names the sequence whose lengths disagree, and rejects bad options', () => {
    assert.throws(() => gaeAdvantages([[1], [0, 1]], [[0], [0, 0, 0]], { gamma: 1, lambda: 1 }), /sequence 1 has 2 rewards but 3 values/u);
    assert.throws(() => gaeAdvantages([[1]], [[0], [0]], { gamma: 1, lambda: 1 }), /1 reward sequences but 2 value sequences/u);
    assert.throws(() => gaeAdvantages([[Number.NaN]], [[0]], { gamma: 1, lambda: 1 }), /reward of sequence 0 at position 0 is NaN/u);
    assert.throws(() => gaeAdvantages([[1]], [[0]], { gamma: 1.5, lambda: 1 }));
  });
});

describe('groupRelativeAdvantages', () => {
  it('normalises a group [1, 0, 0, 1] to ±0.866 (mean 0.5, unbiased std 0.577)', () => {
    const std = Math.sqrt(1 / 3);
    const expected = [0.5, -0.5, -0.5, 0.5].map((d) => d / (std + 1e-6));
    const advantages = groupRelativeAdvantages([1, 0, 0, 1], ['q', 'q', 'q', 'q']);
    close(advantages, expected, 1e-12);
    close(advantages, [0.866, -0.866, -0.866, 0.866], 1e-3);
  });

  it('gives a group of one mean 0 and std 1, as verl does', () => {
    // Group 3 is [1, 0]: mean 0.5, unbiased std sqrt(0.5).
    close(groupRelativeAdvantages([0.7, 1, 0], [7, 3, 3]), [0.7 / (1 + 1e-6), 0.5 / (Math.SQRT1_2 + 1e-6), -0.5 / (Math.SQRT1_2 + 1e-6)], 1e-12);
  });

  it('keeps interleaved groups apart and the input order', () => {
    // Group a: [1, 0, 1] and group b: [0, 0, 1] — mean 2/3 and 1/3, both with std sqrt(1/3).
    const s = Math.sqrt(1 / 3) + 1e-6;
    const advantages = groupRelativeAdvantages([1, 0, 0, 0, 1, 1], ['a', 'b', 'a', 'b', 'a', 'b']);
    close(advantages, [1 / 3 / s, -1 / 3 / s, -2 / 3 / s, -1 / 3 / s, 1 / 3 / s, 2 / 3 / s], 1e-12);
    // Number and string ids are different groups.
    close(groupRelativeAdvantages([1, 0], [1, '1']), [1 / (1 + 1e-6), 0], 1e-12);
  });

  it('gives 0 to a group whose rewards are all equal, and only centres without normalizeByStd', () => {
    close(groupRelativeAdvantages([1, 1, 1], ['q', 'q', 'q']), [0, 0, 0], 0);
    close(groupRelativeAdvantages([1, 0, 0, 1, 3], ['q', 'q', 'q', 'q', 'r'], { normalizeByStd: false }), [0.5, -0.5, -0.5, 0.5, 3], 1e-12);
    close(groupRelativeAdvantages([2, 0], ['q', 'q'], { epsilon: 0 }), [Math.SQRT1_2, -Math.SQRT1_2], 1e-12);
  });

  it('rejects mismatched lengths', () => {
    assert.throws(() => groupRelativeAdvantages([1, 0], ['q']), /2 rewards but 1 group ids/u);
  });
});

describe('whiten', () => {
  it('gives mean 0 and unbiased std 1 over all tokens of the batch', () => {
    const batch = [[0.3, 2.5, -1, 4], [7], [0.1, 0.1]];
    const flat = whiten(batch).flat();
    const n = flat.length;
    const mean = flat.reduce((a, b) => a + b, 0) / n;
    const variance = flat.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    assert.ok(Math.abs(mean) < 1e-12, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 1e-7, `variance ${variance}`);
  });

  it('matches a hand-computed case, keeps the ragged shape, and can keep the mean', () => {
    // [1, 2, 3]: mean 2, Σ(x − mean)² = 2, unbiased variance 2/2 = 1.
    const whitened = whiten([[1, 2], [3]]);
    assert.deepEqual(whitened.map((r) => r.length), [2, 1]);
    close(whitened.flat(), [-1, 0, 1], 1e-7);
    close(whiten([[1, 2], [3]], { shiftMean: false }).flat(), [1, 2, 3], 1e-7);
    // Scale: [0, 4] has unbiased variance 8.
    close(whiten([[0, 4]]).flat(), [-2 / Math.sqrt(8), 2 / Math.sqrt(8)], 1e-8);
  });

  it('whitens one token to 0 and an empty batch to empty rows', () => {
    assert.deepEqual(whiten([[5]]), [[0]]);
    assert.deepEqual(whiten([[], []]), [[], []]);
  });
});
