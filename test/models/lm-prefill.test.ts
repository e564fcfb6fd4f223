// Long batched prompts are prefilled in groups of rows (the WASM heap and CPU caches do not hold
// a whole batch's attention at once); the tokens must not depend on how rows were grouped.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createCausalLM } from '@s3lab/toolkit';

it('a batch of long prompts generates what each prompt generates alone', async () => {
  const lm = await createCausalLM({ model_type: 'qwen2', vocab_size: 64, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    intermediate_size: 64, max_position_embeddings: 512, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, initializer_range: 0.5 }, { seed: 7 });
  // 5 rows of up to 420 tokens: more than one prefill group, the rows of unequal length (left padding).
  const prompts = Array.from({ length: 5 }, (_, r) => Array.from({ length: 380 + 10 * r }, (_, t) => (t * (r + 3) + r) % 64));
  const batched = await lm.generateBatch(prompts, { maxNewTokens: 6, stop: [] });
  const alone = [];
  for (const prompt of prompts) alone.push((await lm.generateBatch([prompt], { maxNewTokens: 6, stop: [] }))[0]);
  assert.deepEqual(batched, alone);
  assert.ok(new Set(batched.map((o) => o.join())).size > 1, 'rows should differ, or the test shows nothing');
  lm.dispose();
});
