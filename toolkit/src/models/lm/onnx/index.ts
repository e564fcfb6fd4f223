/**
 * Llama/Qwen2 inference on ONNX Runtime: the graph is written in memory (a small protobuf and
 * ONNX encoder, no converter, no file), and `OnnxCausalLM` generates through the decoding loop
 * every backend shares.
 *
 * @example
 * ```ts
 * import { OnnxCausalLM } from '@s3lab/toolkit';
 * const lm = await OnnxCausalLM.load('datasets/models/lab-searcher');
 * const tokens = await lm.generateBatch([[1, 2, 3]], { maxNewTokens: 8 });
 * ```
 */
export { OnnxCausalLM, type OnnxCausalLMOptions } from './onnx-causal-lm.js';
export { buildLlamaGraph, LLAMA_GRAPH_IO } from './llama-graph.js';
export { encodeModel, type OnnxAttribute, type OnnxElementType, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.js';
