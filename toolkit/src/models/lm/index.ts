/**
 * Causal language models: Llama/Qwen2 and GPT-2 in tfjs, loaded from and saved to the Hugging
 * Face layout, with batched KV-cached generation and gradients for training; and, for inference
 * only, Llama/Qwen2 on ONNX Runtime (`OnnxCausalLM`, what `loadInferenceLM` picks on the CPU).
 * Both decode through one loop (decoding.ts).
 *
 * @example
 * ```ts
 * import { loadCausalLM, loadInferenceLM } from '@s3lab/toolkit';
 * const lm = await loadCausalLM('test/fixtures/lm/tiny-qwen2');
 * const rows = await lm.logits([1, 2, 3]);          // one Float32Array of vocabulary logits per position
 * const greedy = await lm.generate([1, 2, 3], { maxNewTokens: 8 });
 * const fast = await loadInferenceLM('test/fixtures/lm/tiny-qwen2'); // ONNX Runtime: same tokens, faster
 * ```
 */
export { loadCausalLM, createCausalLM, type LoadCausalLMOptions } from './load.js';
export { TransformerLM } from './causal-lm.js';
export type { CausalLM, GenerateOptions } from './types.js';
export type { LmConfig, LmFamily } from './config.js';
export { readSafetensors, readSafetensorsHeader, writeSafetensors, type StoredTensor } from './safetensors.js';
export { padSequences, tokenLogProbs, logProbsOfTargets, maskedNll, type PaddedSequences } from './log-probs.js';
export { loadInferenceLM, onnxRunsHere, INFERENCE_RUNTIMES, type InferenceRuntime, type LoadInferenceLMOptions } from './inference.js';
export {
  OnnxCausalLM, buildLlamaGraph, encodeModel, LLAMA_GRAPH_IO, type OnnxCausalLMOptions, type OnnxAttribute,
  type OnnxElementType, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo,
} from './onnx/index.js';
export { decodeBatch, checkTokenIds, type DecodeStep, type DecodedModel } from './decoding.js';
