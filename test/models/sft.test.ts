// SFT fits demonstrations on the completion tokens only: the prompt tokens are context, never
// targets, so a model trained on them learns to continue prompts, not to reproduce them.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createCausalLM, maskedNll, padSequences, tokenLogProbs, trainSft } from '@s3lab/toolkit';

const CONFIG = { model_type: 'qwen2', vocab_size: 48, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true };

it('left padding does not change a sequence\'s log-probabilities', async () => {
  const lm = await createCausalLM(CONFIG, { seed: 2 });
  const alone = tokenLogProbs(lm, padSequences([[5, 6, 7, 8]], [0], 0)).arraySync()[0]!;
  const padded = tokenLogProbs(lm, padSequences([[5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7]], [0, 0], 0)).arraySync()[0]!.slice(3);
  alone.forEach((v, i) => assert.ok(Math.abs(v - padded[i]!) < 1e-5, `position ${i}: ${v} vs ${padded[i]}`));
  lm.dispose();
});

it('learns to map prompts to completions, with the loss on completion tokens only', async () => {
  const lm = await createCausalLM(CONFIG, { seed: 3 });
  // Task: "copy the second prompt token twice, then stop (token 1)".
  const examples = Array.from({ length: 24 }, (_, i) => ({ prompt: [2, 10 + i, 3], completion: [10 + i, 10 + i, 1] }));
  const before = maskedNll(lm, padSequences(examples.map((e) => [...e.prompt, ...e.completion]), examples.map((e) => e.prompt.length), 0)).dataSync()[0]!;
  const history = await trainSft(lm, examples, { steps: 150, batchSize: 8, learningRate: 3e-3, padId: 0, seed: 1 });
  assert.equal(history.length, 150);
  assert.ok(history.at(-1)!.loss < before / 10, `loss ${before} → ${history.at(-1)!.loss}`);
  const outputs = await lm.generateBatch(examples.slice(0, 6).map((e) => e.prompt), { maxNewTokens: 5, stop: [1] });
  assert.deepEqual(outputs, examples.slice(0, 6).map((e) => e.completion));
  // Prompt tokens were never targets: "3" always follows [2, x] in the prompts, yet stays unlikely.
  const logProbOfThree = tokenLogProbs(lm, padSequences([[2, 12, 3]], [0], 0)).arraySync()[0]![1]!;
  assert.ok(logProbOfThree < Math.log(0.5), `p(3 | 2, 12) = ${Math.exp(logProbOfThree)}: the prompt was trained on`);
  assert.ok(tf.memory().numTensors < 200, `tensors leak: ${tf.memory().numTensors}`);
  lm.dispose();
});

it('warms up linearly, then the cosine schedule decays the rate to a tenth by the last step', async () => {
  const lm = await createCausalLM(CONFIG, { seed: 4 });
  const examples = Array.from({ length: 16 }, (_, i) => ({ prompt: [2, 10 + i], completion: [10 + i, 1] }));
  const history = await trainSft(lm, examples, { steps: 12, batchSize: 4, learningRate: 1e-3, warmupSteps: 2, schedule: 'cosine', padId: 0 });
  const rates = history.map((m) => m.learningRate);
  assert.ok(Math.abs(rates[0]! - 5e-4) < 1e-12 && Math.abs(rates[1]! - 1e-3) < 1e-12, `warm-up: ${rates.slice(0, 2)}`);
  assert.ok(Math.abs(rates.at(-1)! - 1e-4) < 1e-12, `last: ${rates.at(-1)}`);
  for (let i = 2; i < rates.length; i++) assert.ok(rates[i]! <= rates[i - 1]!, `rate rose at step ${i + 1}`);
  assert.ok(history.every((m) => m.inputTokens === 4 * 4), 'every update runs 4 examples of 4 tokens');
  lm.dispose();
});
