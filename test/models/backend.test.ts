// Backend selection: the CPU backends agree, an unknown name is refused, and asking for WebGPU
// on a machine without a GPU adapter (this one) is one clear error, after which WASM still works.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createCausalLM, useTfjsBackend } from '@s3lab/toolkit';

it('asking for webgpu without an adapter names what is missing and leaves wasm usable', async () => {
  await assert.rejects(useTfjsBackend('webgpu'), /WebGPU was asked for .* no GPU adapter/u);
  const tf = await useTfjsBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const lm = await createCausalLM({ model_type: 'gpt2', vocab_size: 16, n_embd: 8, n_layer: 1, n_head: 2, n_positions: 16 }, { seed: 1 });
  assert.equal((await lm.generate([1, 2], { maxNewTokens: 3, stop: [] })).length, 3);
});

it('refuses an unknown backend name', async () => {
  await assert.rejects(useTfjsBackend('cuda' as never), /unknown tfjs backend "cuda": expected one of wasm, cpu, webgpu/u);
});
