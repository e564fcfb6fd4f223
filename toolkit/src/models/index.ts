/**
 * Models: tokenizers from `tokenizer.json` (with chat templates), sentence encoders (ONNX or
 * tfjs), and causal language models in tfjs (Llama/Qwen2, GPT-2) that load and save the
 * Hugging Face layout, generate with a KV cache and train, with Llama/Qwen2 inference on ONNX
 * Runtime (`loadInferenceLM`).
 *
 * @example
 * ```ts
 * import { loadEncoder, loadCausalLM, loadTokenizer, e5Query, e5Passage } from '@s3lab/toolkit';
 * const encoder = await loadEncoder('datasets/models/lab-e5-small');
 * const [q, p] = await encoder.encode([e5Query('Who founded Cuga Records?'), e5Passage('Cuga Records', 'Cuga Records was founded in 1843.')]);
 * const lm = await loadCausalLM('test/fixtures/lm/tiny-qwen2');
 * const tokens = await lm.generate([1, 2, 3], { maxNewTokens: 8 });
 * const tokenizer = await loadTokenizer('datasets/models/lab-tokenizer');
 * const prompt = tokenizer.applyChatTemplate([{ role: 'user', content: 'Who founded Cuga Records?' }], { addGenerationPrompt: true });
 * ```
 */
export { loadTokenizer, type TextTokenizer, type TokenizedText, type TokenizerOptions } from './tokenizer/index.js';
export { loadEncoder, meanPoolNormalize, DEFAULT_MAX_LENGTH, type Encoder, type EncoderOptions } from './encoder/index.js';
export { e5Query, e5Passage, e5PassageFromContents, E5_QUERY_PREFIX, E5_PASSAGE_PREFIX } from './e5.js';
export { ModelFileError } from './model-files.js';
export {
  buildLlamaGraph, checkTokenIds, createCausalLM, decodeBatch, encodeModel, INFERENCE_RUNTIMES,
  LLAMA_GRAPH_IO, loadCausalLM, loadInferenceLM, maskedNll, OnnxCausalLM, padSequences,
  readSafetensors, readSafetensorsHeader, tokenLogProbs, TransformerLM, writeSafetensors,
  type CausalLM, type DecodedModel, type DecodeStep, type GenerateOptions, type InferenceRuntime,
  type LmConfig, type LmFamily, type LoadCausalLMOptions, type LoadInferenceLMOptions,
  type OnnxAttribute, type OnnxCausalLMOptions, type OnnxElementType, type OnnxGraph,
  type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo, type PaddedSequences,
  type StoredTensor,
} from './lm/index.js';
export { useTfjsBackend, TFJS_BACKENDS, ScaledAdam, type TfjsBackendName } from './tfjs/index.js';
export { setFusedKernels, fusedRmsNorm, fusedSwiglu, fusedRope, fusedMaskedSoftmax, targetLogProbs, positionsById, runKernel, sumOfSquares } from './tfjs/index.js';
export { resolveDevice, deviceFromEnvironment, graphicsStackReport, S3LAB_DEVICES, type S3labDevice, type ResolvedDevice, type GpuAdapterDescription } from './tfjs/index.js';
export {
  renderChatTemplate, writeChatTemplate, trainLabTokenizer, firstMerges, byteLevelAlphabet,
  QWEN25_CHAT_TEMPLATE, QWEN25_CHAT_TEMPLATE_SHA256, QWEN25_DEFAULT_SYSTEM_PROMPT, LAB_SPECIAL_TOKENS, SPECIAL_TOKEN_NAMES,
  type ChatMessage, type ChatTemplateOptions, type EncodeOptions, type DecodeOptions, type SpecialTokenName,
  type TrainLabTokenizerOptions, type TrainedTokenizer,
} from './tokenizer/index.js';
