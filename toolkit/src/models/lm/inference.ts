/**
 * The causal LM for inference only (generation, logits; no gradients): ONNX Runtime where it is
 * faster, tfjs where it is not available. ONNX Runtime runs the llama family (Llama, Qwen2) on
 * the CPU, multi-threaded, several times faster than tfjs's single-threaded WebAssembly
 * (bench/lm.bench.ts); GPT-2, and any model when `S3LAB_DEVICE` puts tfjs on the GPU, stay on tfjs.
 *
 * @example
 * ```ts
 * import { loadInferenceLM } from '@s3lab/toolkit';
 * const lm = await loadInferenceLM('datasets/models/lab-generator', { threads: 2 }); // an OnnxCausalLM
 * const tokens = await lm.generate([1, 2, 3], { maxNewTokens: 16 });
 * lm.dispose();
 * ```
 */
import { z } from 'zod';
import { resolveDevice, type TfjsBackendName } from '../tfjs/index.js';
import type { LmConfig } from './config.js';
import { loadCausalLM, type LoadCausalLMOptions } from './load.js';
import { readLmConfig } from './model-dir.js';
import { OnnxCausalLM } from './onnx/onnx-causal-lm.js';
import type { CausalLM } from './types.js';

export type InferenceRuntime = 'auto' | 'onnx' | 'tfjs';
export const INFERENCE_RUNTIMES: readonly InferenceRuntime[] = ['auto', 'onnx', 'tfjs'];

export interface LoadInferenceLMOptions extends LoadCausalLMOptions {
  /**
   * `auto` (default): ONNX Runtime for the llama family when tfjs would compute on the CPU (the
   * device resolves to `wasm` or `cpu`), tfjs otherwise; `onnx` or `tfjs` force one (`onnx`
   * refuses GPT-2).
   */
  runtime?: InferenceRuntime;
  /** ONNX Runtime's intra-op threads (default: every core). Several models in one process: split the cores. */
  threads?: number;
}

const optionsSchema = z.object({
  runtime: z.enum(INFERENCE_RUNTIMES as [InferenceRuntime, ...InferenceRuntime[]]).default('auto'),
  threads: z.number().int().min(1).optional(),
  backend: z.enum(['wasm', 'cpu', 'webgpu']).optional(),
});

/**
 * Loads a model directory for generation on the fastest runtime s3lab has for it.
 *
 * @example
 * ```ts
 * const generator = await loadInferenceLM('datasets/models/lab-generator');          // ONNX Runtime
 * const gpt2 = await loadInferenceLM('test/fixtures/lm/tiny-gpt2');                  // tfjs (TransformerLM)
 * ```
 */
export async function loadInferenceLM(dir: string, options: LoadInferenceLMOptions = {}): Promise<CausalLM> {
  const { runtime, threads, backend } = optionsSchema.parse(options);
  const tfjs = (): Promise<CausalLM> => loadCausalLM(dir, backend === undefined ? {} : { backend });
  if (runtime === 'tfjs') return tfjs();
  const onnx = (): Promise<CausalLM> => OnnxCausalLM.load(dir, threads === undefined ? {} : { threads });
  if (runtime === 'onnx') return onnx();
  const { architecture } = await readLmConfig(dir);
  return (await onnxRunsHere(architecture.family, backend)) ? onnx() : tfjs();
}

/**
 * Whether `auto` puts a model of this family on ONNX Runtime: the llama family, when tfjs would
 * compute on the CPU (`backend`, else the device `S3LAB_DEVICE` resolves to). The one place that
 * choice is made, for a model directory (`loadInferenceLM`) and for a copy of a model in training.
 *
 * @example
 * ```ts
 * await onnxRunsHere('llama'); // true on a CPU machine
 * ```
 */
export async function onnxRunsHere(family: LmConfig['family'], backend?: TfjsBackendName): Promise<boolean> {
  return family === 'llama' && (backend ?? (await resolveDevice()).backend) !== 'webgpu';
}
