// The tfjs transformer is trainable: gradients reach every weight (the embedding's custom
// gradient included, checked against finite differences), a few optimizer steps fit a sequence,
// and a trained model saved and loaded back gives the same logits.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createCausalLM, loadCausalLM, useTfjsBackend, type TransformerLM } from '@s3lab/toolkit';

const CONFIGS: Record<string, Record<string, unknown>> = {
  qwen2: { model_type: 'qwen2', vocab_size: 64, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true },
  gpt2: { model_type: 'gpt2', vocab_size: 64, n_embd: 16, n_layer: 2, n_head: 4, n_positions: 64 },
};
const SEQUENCE = [3, 17, 42, 8, 8, 21, 5, 60, 33, 12];

/** Mean next-token cross-entropy of `ids` under the model. */
function loss(lm: TransformerLM, ids: number[]): tf.Scalar {
  return tf.tidy(() => {
    const logits = tf.squeeze(lm.forwardLogits([ids.slice(0, -1)]), [0]);
    const targets = tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), lm.vocabSize);
    return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1)));
  }) as tf.Scalar;
}

for (const [family, config] of Object.entries(CONFIGS)) {
  describe(`training a ${family}`, () => {
    it('gets a gradient for every weight, and the embedding gradient matches finite differences', async () => {
      const lm = await createCausalLM(config, { seed: 3 });
      const { grads } = tf.variableGrads(() => loss(lm, SEQUENCE), lm.variables);
      for (const v of lm.variables) {
        const g = grads[v.name];
        assert.ok(g, `no gradient for ${v.name}`);
        assert.ok(tf.max(tf.abs(g)).dataSync()[0]! > 0, 'a gradient is all zero');
      }
      // Finite differences on two entries of a row the sequence uses (token 8, twice).
      const table = lm.variables[0]!;
      const analytic = grads[table.name]!.arraySync() as number[][];
      const eps = 1e-2;
      for (const col of [0, 5]) {
        const original = table.arraySync() as number[][];
        const shifted = (delta: number): number => {
          const copy = original.map((r) => r.slice());
          copy[8]![col]! += delta;
          table.assign(tf.tensor2d(copy));
          return loss(lm, SEQUENCE).dataSync()[0]!;
        };
        const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
        table.assign(tf.tensor2d(original));
        assert.ok(Math.abs(numeric - analytic[8]![col]!) < 2e-3 + 0.02 * Math.abs(numeric), `d loss / d table[8][${col}]: finite differences ${numeric}, gradient ${analytic[8]![col]}`);
      }
      lm.dispose();
    });

    it('fits a sequence with Adam, and saves and reloads the trained weights exactly', async () => {
      const lm = await createCausalLM(config, { seed: 4 });
      const before = loss(lm, SEQUENCE).dataSync()[0]!;
      const optimizer = tf.train.adam(0.01);
      for (let step = 0; step < 30; step++) optimizer.minimize(() => loss(lm, SEQUENCE), false, lm.variables);
      const after = loss(lm, SEQUENCE).dataSync()[0]!;
      assert.ok(after < before / 4, `loss went from ${before} to ${after}`);
      assert.deepEqual(await lm.generate(SEQUENCE.slice(0, 3), { maxNewTokens: 7, stop: [] }), SEQUENCE.slice(3));

      const dir = await mkdtemp(join(tmpdir(), 's3lab-lm-'));
      try {
        await lm.save(dir);
        const reloaded = await loadCausalLM(dir);
        const [a, b] = [await lm.logits(SEQUENCE), await reloaded.logits(SEQUENCE)];
        assert.deepEqual(b, a);
        reloaded.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
        lm.dispose();
      }
    });
  });
}

it('runs the same forward pass on the cpu and wasm backends', async () => {
  const results: Float32Array[][] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await useTfjsBackend(backend);
    const lm = await createCausalLM(CONFIGS.qwen2!, { seed: 5, backend });
    results.push(await lm.logits(SEQUENCE));
    lm.dispose();
  }
  const worst = Math.max(...results[0]!.flatMap((row, t) => Array.from(row, (v, j) => Math.abs(v - results[1]![t]![j]!))));
  assert.ok(worst < 1e-5, `cpu and wasm logits differ by ${worst}`);
});
