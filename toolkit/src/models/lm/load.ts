/**
 * Loading a causal LM from a Hugging Face model directory (`config.json` + `model.safetensors`,
 * or shards listed in `model.safetensors.index.json`), and creating a fresh random-init one.
 */
import { Random } from '../../core/random.js';
import { tf, useTfjsBackend, type TfjsBackendName } from '../tfjs/index.js';
import { TransformerLM } from './causal-lm.js';
import { configFileSchema, normaliseConfig } from './config.js';
import { readLmConfig, readLmWeights } from './model-dir.js';
import { parameterSpecs, type ParameterSpec } from './parameters.js';
import type { StoredTensor } from './safetensors.js';

export interface LoadCausalLMOptions {
  /** tfjs backend (default: the one `S3LAB_DEVICE` resolves to: `wasm` on the CPU, `webgpu` on a GPU). */
  backend?: TfjsBackendName;
}

/**
 * Loads a Llama, Qwen2 or GPT-2 checkpoint; fp16 and bf16 weights become fp32.
 *
 * @example
 * ```ts
 * import { loadCausalLM } from '@s3lab/toolkit';
 * const lm = await loadCausalLM('test/fixtures/lm/tiny-qwen2');
 * const next = await lm.generate([1, 2, 3], { maxNewTokens: 5 });
 * ```
 */
export async function loadCausalLM(dir: string, options: LoadCausalLMOptions = {}): Promise<TransformerLM> {
  await useTfjsBackend(options.backend);
  const { architecture, raw } = await readLmConfig(dir);
  const stored = await readLmWeights(dir, architecture);
  const weights = new Map(parameterSpecs(architecture).map((spec) => [spec.name, toVariable(spec, (stored.get(spec.name) as StoredTensor).data)]));
  return new TransformerLM(architecture, raw, weights);
}

/**
 * A model with fresh weights (normal(0, 0.02) matrices, unit norms, zero biases: transformers'
 * initialisation), drawn from `seed`. `config` is a `config.json` object.
 *
 * @example
 * ```ts
 * import { createCausalLM } from '@s3lab/toolkit';
 * const lm = await createCausalLM({ model_type: 'qwen2', vocab_size: 256, hidden_size: 64, num_hidden_layers: 2,
 *   num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 128, max_position_embeddings: 512,
 *   rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true }, { seed: 1 });
 * ```
 */
export async function createCausalLM(config: Record<string, unknown>, options: LoadCausalLMOptions & { seed?: number; initializerRange?: number } = {}): Promise<TransformerLM> {
  await useTfjsBackend(options.backend);
  const architecture = normaliseConfig(configFileSchema.parse(config));
  const random = new Random(options.seed ?? 0, 'init');
  const std = options.initializerRange ?? (typeof config.initializer_range === 'number' ? config.initializer_range : 0.02);
  const weights = new Map<string, tf.Variable>();
  for (const spec of parameterSpecs(architecture)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init === 'normal') for (let i = 0; i < data.length; i++) data[i] = std * gaussian(random);
    weights.set(spec.name, toVariable(spec, data));
  }
  return new TransformerLM(architecture, config, weights);
}

function toVariable(spec: ParameterSpec, data: Float32Array): tf.Variable {
  return tf.tidy(() => {
    const tensor = tf.tensor(data, spec.shape, 'float32');
    // Unnamed: tfjs variable names are global, and several models may share a process.
    return tf.variable(spec.transposed ? tf.transpose(tensor) : tensor, true);
  });
}

/** A standard normal draw (Box–Muller) from the seeded generator. */
function gaussian(random: Random): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}
