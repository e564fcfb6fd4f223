// `forwardSelectedStates` runs the last layer at chosen positions only; what it returns, and the
// gradient of anything computed from it, must be those of slicing the full forward pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createCausalLM, useTfjsBackend, type TransformerLM } from '@s3lab/toolkit';

const QWEN2 = { model_type: 'qwen2', vocab_size: 64, hidden_size: 16, num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, attention_bias: true };
const GPT2 = { model_type: 'gpt2', vocab_size: 64, n_embd: 16, n_layer: 2, n_head: 4, n_positions: 64 };

// Two left-padded rows; row 0 wants two runs, row 1 one position (fewer query rows than heads).
const IDS = [[0, 0, 0, 5, 9, 14, 3, 22, 7, 41, 2, 30], [11, 4, 63, 8, 19, 27, 33, 1, 50, 6, 12, 9]];
const KEY_MASK = [[0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1], IDS[1]!.map(() => 1)];
const SELECT = [[4, 5, 6, 9, 10], [7]];

function sliced(lm: TransformerLM): tf.Tensor2D {
  const hidden = lm.forwardHiddenStates(IDS, KEY_MASK);
  const rows = SELECT.flatMap((positions, b) => positions.map((t) => tf.slice(hidden, [b, t, 0], [1, 1, hidden.shape[2]]).reshape([1, hidden.shape[2]])));
  return tf.concat(rows, 0) as tf.Tensor2D;
}

/** A scalar that weighs every state differently, so that a wrong row or order changes it. */
function weighed(states: tf.Tensor2D): tf.Scalar {
  const weights = tf.range(1, states.size + 1).reshape(states.shape).div(states.size);
  return tf.sum(tf.mul(tf.sin(states), weights)) as tf.Scalar;
}

for (const [family, config] of [['qwen2', QWEN2], ['gpt2', GPT2]] as const) {
  describe(`forwardSelectedStates (${family})`, () => {
    it('gives the sliced states of the full forward pass, and the same gradients', async () => {
      await useTfjsBackend('wasm');
      const lm = await createCausalLM(config, { seed: 7 });
      const full = sliced(lm);
      const selected = lm.forwardSelectedStates(IDS, KEY_MASK, SELECT);
      assert.deepEqual(selected.shape, full.shape);
      const diff = tf.max(tf.abs(tf.sub(full, selected))).dataSync()[0]!;
      assert.ok(diff < 1e-5, `states differ by ${diff}`);
      const a = tf.variableGrads(() => weighed(sliced(lm)), lm.variables).grads;
      const b = tf.variableGrads(() => weighed(lm.forwardSelectedStates(IDS, KEY_MASK, SELECT)), lm.variables).grads;
      for (const v of lm.variables) {
        const gap = tf.max(tf.abs(tf.sub(a[v.name]!, b[v.name]!))).dataSync()[0]!;
        const scale = tf.max(tf.abs(a[v.name]!)).dataSync()[0]!;
        assert.ok(gap <= 1e-5 + 1e-4 * scale, `gradient of ${v.name} differs by ${gap} (scale ${scale})`);
      }
      lm.dispose();
    });

    it('refuses positions that do not ascend', async () => {
      const lm = await createCausalLM(config, { seed: 7 });
      assert.throws(() => lm.forwardSelectedStates(IDS, KEY_MASK, [[5, 4], [7]]), /positions must ascend/);
      lm.dispose();
    });
  });
}
