/**
 * Causal language models in tfjs: Llama/Qwen2 and GPT-2, loaded from and saved to the
 * Hugging Face layout, with batched KV-cached generation and gradients for training.
 *
 * @example
 * ```ts
 * import { loadCausalLM } from '@s3lab/toolkit';
 * const lm = await loadCausalLM('test/fixtures/lm/tiny-qwen2');
 * const rows = await lm.logits([1, 2, 3]);          // one Float32Array of vocabulary logits per position
 * const greedy = await lm.generate([1, 2, 3], { maxNewTokens: 8 });
 * ```
 */
export { loadCausalLM, createCausalLM, type LoadCausalLMOptions } from './load.js';
export { TransformerLM } from './causal-lm.js';
export type { CausalLM, GenerateOptions } from './types.js';
export type { LmConfig, LmFamily } from './config.js';
export { readSafetensors, readSafetensorsHeader, writeSafetensors, type StoredTensor } from './safetensors.js';
export { padSequences, tokenLogProbs, maskedNll, type PaddedSequences } from './log-probs.js';
