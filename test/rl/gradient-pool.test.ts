// Data-parallel updates: the gradient a GradientPool sums with a worker thread is the one this
// thread computes alone (GRPO and PPO), the loss terms are counted once each, and a worker
// follows the weights of each optimizer step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createCausalLM, rlConfig, useTfjsBackend, ValueHead } from '@s3lab/toolkit';
import { GradientPool, shareOut } from '../../toolkit/src/rl/gradient-pool.js';
import { grpoLoss } from '../../toolkit/src/rl/grpo.js';
import { ppoLoss } from '../../toolkit/src/rl/ppo.js';
import { actionTokens, UpdateStats } from '../../toolkit/src/rl/update.js';

const QWEN2 = { model_type: 'qwen2', vocab_size: 64, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true };

/** Rollouts of different lengths, their action tokens at the end, with made-up old/ref log-probs and advantages. */
function samples(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const length = 12 + 5 * i;
    const tokens = Array.from({ length }, (_, t) => (7 * t + 3 * i) % 60 + 2);
    const actionMask = tokens.map((_, t) => (t >= length - 4 - (i % 3) ? 1 : 0));
    const actions = actionMask.filter((m) => m === 1).length;
    const old = Array.from({ length: actions }, (_, t) => -1 - 0.1 * t - 0.05 * i);
    return { rollout: { tokens, actionMask }, old, ref: old.map((o) => o - 0.02), values: old.map(() => 0.1 * i), advantage: i % 2 === 0 ? 1 : -0.5, advantages: old.map((_, t) => 0.3 * t - 0.4), returns: old.map(() => 0.5) };
  });
}

async function gradientsOf(workers: number, algorithm: 'grpo' | 'ppo') {
  await useTfjsBackend('wasm');
  const lm = await createCausalLM(QWEN2, { seed: 5 });
  const valueHead = algorithm === 'ppo' ? new ValueHead(16, Float32Array.from({ length: 16 }, (_, i) => 0.01 * i), 0.2) : undefined;
  const config = rlConfig(algorithm === 'ppo' ? 'lab-ppo' : 'lab');
  const variables = [...lm.variables, ...(valueHead?.variables ?? [])];
  const pool = await GradientPool.start({ lm, ...(valueHead ? { valueHead } : {}), algorithm, config, padId: 0, workers });
  const all = samples(6);
  const micros = [all.slice(0, 2), all.slice(2, 3), all.slice(3, 5), all.slice(5)];
  const stats = new UpdateStats();
  const loss = (micro: readonly ReturnType<typeof samples>[number][]) => (valueHead ? ppoLoss(lm, valueHead, micro, config, 0) : grpoLoss(lm, micro, config, 0));
  const grads = await pool.gradients(micros, actionTokens(all), stats, variables, loss);
  const arrays = variables.map((v) => Float32Array.from((grads[v.name] as tf.Tensor).dataSync()));
  // One optimizer-like step, sent to the worker; the next gradients must be those of the new weights.
  for (const v of variables) v.assign(tf.sub(v, tf.mul(0.5, grads[v.name] as tf.Tensor)));
  tf.dispose(Object.values(grads));
  await pool.weightsChanged(variables);
  const next = await pool.gradients(micros, actionTokens(all), new UpdateStats(), variables, loss);
  const nextArrays = variables.map((v) => Float32Array.from((next[v.name] as tf.Tensor).dataSync()));
  tf.dispose(Object.values(next));
  await pool.dispose();
  valueHead?.dispose();
  lm.dispose();
  return { arrays, nextArrays, metrics: stats.metrics(config, 1) };
}

function assertClose(a: Float32Array[], b: Float32Array[], what: string): void {
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    let gap = 0;
    let scale = 0;
    for (let j = 0; j < x.length; j++) {
      gap = Math.max(gap, Math.abs((x[j] as number) - (y[j] as number)));
      scale = Math.max(scale, Math.abs(x[j] as number));
    }
    assert.ok(scale > 0, `${what}: variable ${i} has an all-zero gradient`);
    assert.ok(gap <= 1e-6 + 1e-5 * scale, `${what}: variable ${i} differs by ${gap} (scale ${scale})`);
  });
}

for (const algorithm of ['grpo', 'ppo'] as const) {
  describe(`GradientPool (${algorithm})`, () => {
    it('sums the same gradient with a worker thread as alone, before and after a weight update', async () => {
      const alone = await gradientsOf(0, algorithm);
      const shared = await gradientsOf(1, algorithm);
      assertClose(alone.arrays, shared.arrays, 'first gradients');
      assertClose(alone.nextArrays, shared.nextArrays, 'gradients after the weights changed');
      for (const key of ['policyLoss', 'entropy', 'clipFraction', 'approxKl', 'valueLoss'] as const) {
        assert.ok(Math.abs(alone.metrics[key] - shared.metrics[key]) <= 1e-6 + 1e-5 * Math.abs(alone.metrics[key]), `${key}: ${alone.metrics[key]} alone, ${shared.metrics[key]} shared`);
      }
    });
  });
}

describe('shareOut', () => {
  it('gives the costliest micro-batches to the least loaded thread, every micro-batch once', () => {
    const all = samples(6);
    const micros = all.map((s) => [s]);
    const shares = shareOut(micros, 2);
    assert.equal(shares.flat().length, 6);
    assert.deepEqual(new Set(shares.flat()), new Set(micros));
    assert.ok(shares[0]!.length > 0 && shares[1]!.length > 0);
    assert.deepEqual(shareOut(micros, 1), [[...micros].reverse()]);
  });
});
