// s3lab's tfjs transformer against PyTorch + transformers: random-init tiny models made by
// scripts/models/make_lm_fixtures.py (fp32, sharded, bf16 and fp16 checkpoints), with the
// reference logits and greedy continuations transformers computed from the same weights.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadCausalLM, readSafetensors } from '@s3lab/toolkit';

const FIXTURES = 'test/fixtures/lm';
const MODELS = ['tiny-qwen2', 'tiny-qwen2-tied', 'tiny-llama', 'tiny-gpt2'];

interface Reference {
  prompts: number[][];
  logits: string[];
  greedy: number[][];
  greedy_batched: number[][];
  stored_dtype: string;
}

for (const name of MODELS) {
  describe(`${name} matches transformers`, async () => {
    const dir = join(FIXTURES, name);
    const reference = JSON.parse(await readFile(join(dir, 'reference.json'), 'utf8')) as Reference;
    const expected = await readSafetensors(join(dir, 'reference.safetensors'));
    const lm = await loadCausalLM(dir);

    it(`logits within 1e-4 (weights stored as ${reference.stored_dtype})`, async () => {
      for (const [i, prompt] of reference.prompts.entries()) {
        const want = expected.get(reference.logits[i] as string);
        assert.ok(want);
        const rows = await lm.logits(prompt);
        assert.equal(rows.length, prompt.length);
        let worst = 0;
        rows.forEach((row, t) => row.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - (want.data[t * lm.vocabSize + j] as number))); }));
        assert.ok(worst < 1e-4, `prompt ${i}: largest logit difference ${worst}`);
      }
    });

    it('greedy continuations token for token, one prompt at a time', async () => {
      for (const [i, prompt] of reference.prompts.entries()) {
        assert.deepEqual(await lm.generate(prompt, { maxNewTokens: 16, stop: [] }), reference.greedy[i]);
      }
    });

    it('greedy continuations of a left-padded batch (KV cache) token for token', async () => {
      assert.deepEqual(await lm.generateBatch(reference.prompts, { maxNewTokens: 16, stop: [] }), reference.greedy_batched);
    });
  });
}
