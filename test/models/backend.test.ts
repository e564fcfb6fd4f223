// Backend selection: S3LAB_DEVICE picks where tensors run. cpu is WebAssembly; asking for
// webgpu on a machine without a GPU adapter (this one) is one clear error naming what was
// looked for, after which WASM still works; auto falls back to the CPU.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createCausalLM, deviceFromEnvironment, resolveDevice, useTfjsBackend } from '@s3lab/toolkit';

// A machine without a GPU: no Vulkan driver for the loader to find (not even Mesa's lavapipe).
process.env.VK_DRIVER_FILES = '/nonexistent/s3lab-no-gpu.json';

it('asking for webgpu without an adapter names what is missing and leaves wasm usable', async () => {
  await assert.rejects(useTfjsBackend('webgpu'), /WebGPU was asked for, but Dawn found no GPU adapter \(.*Vulkan/u);
  const tf = await useTfjsBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const lm = await createCausalLM({ model_type: 'gpt2', vocab_size: 16, n_embd: 8, n_layer: 1, n_head: 2, n_positions: 16 }, { seed: 1 });
  assert.equal((await lm.generate([1, 2], { maxNewTokens: 3, stop: [] })).length, 3);
});

it('refuses an unknown backend name', async () => {
  await assert.rejects(useTfjsBackend('cuda' as never), /unknown tfjs backend "cuda": expected one of wasm, cpu, webgpu/u);
});

it('S3LAB_DEVICE: cpu by default, a bad value named, webgpu refused without a GPU, auto falls back', async () => {
  assert.equal(deviceFromEnvironment({}), 'cpu');
  assert.equal(deviceFromEnvironment({ S3LAB_DEVICE: 'auto' }), 'auto');
  assert.throws(() => deviceFromEnvironment({ S3LAB_DEVICE: 'gpu' }), /S3LAB_DEVICE="gpu": expected one of cpu, webgpu, auto/u);
  assert.deepEqual(await resolveDevice('cpu'), { requested: 'cpu', backend: 'wasm', adapter: undefined });
  assert.deepEqual(await resolveDevice('auto'), { requested: 'auto', backend: 'wasm', adapter: undefined });
  await assert.rejects(resolveDevice('webgpu'), /S3LAB_DEVICE=webgpu, but Dawn found no GPU adapter \((no )?Vulkan loader.*\)\. Set S3LAB_DEVICE=cpu/u);
});
