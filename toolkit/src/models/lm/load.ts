/**
 * Loading a causal LM from a Hugging Face model directory (`config.json` + `model.safetensors`,
 * or shards listed in `model.safetensors.index.json`), and creating a fresh random-init one.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { Random } from '../../core/random.js';
import { ModelFileError, readModelJson, requireModelFile } from '../model-files.js';
import { tf, useTfjsBackend, type TfjsBackendName } from '../tfjs/index.js';
import { TransformerLM } from './causal-lm.js';
import { configFileSchema, normaliseConfig, type LmConfig } from './config.js';
import { canonicalName, isBuffer, parameterSpecs, type ParameterSpec } from './parameters.js';
import { readSafetensors, type StoredTensor } from './safetensors.js';

export interface LoadCausalLMOptions {
  /** tfjs backend (default: the one `S3LAB_DEVICE` resolves to: `wasm` on the CPU, `webgpu` on a GPU). */
  backend?: TfjsBackendName;
}

const indexSchema = z.object({ weight_map: z.record(z.string(), z.string()) });

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
  const configPath = await requireModelFile(dir, 'config.json', 'the architecture');
  const raw = await readModelJson(configPath, z.looseObject({ model_type: z.string() }));
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const known = ['llama', 'qwen2', 'gpt2'];
    const why = known.includes(raw.model_type)
      ? `it lacks a field the ${raw.model_type} architecture needs: ${parsed.error.issues.map((i) => `${i.path.join('.')} (${i.message})`).join('; ')}`
      : `model_type ${JSON.stringify(raw.model_type)} is not one s3lab runs (${known.join(', ')})`;
    throw new ModelFileError(configPath, `${configPath}: ${why}`);
  }
  let architecture: LmConfig;
  try {
    architecture = normaliseConfig(parsed.data);
  } catch (cause) {
    throw new ModelFileError(configPath, `${configPath}: ${(cause as Error).message}`, { cause });
  }
  const stored = await readCheckpoint(dir);
  const weights = new Map<string, tf.Variable>();
  const specs = parameterSpecs(architecture);
  const byName = new Map<string, StoredTensor>();
  for (const [name, tensor] of stored) if (!isBuffer(name)) byName.set(canonicalName(architecture, name), tensor);
  for (const spec of specs) {
    const tensor = byName.get(spec.name);
    if (tensor === undefined) throw new ModelFileError(dir, `the checkpoint in ${dir} has no tensor ${spec.name}, which a ${architecture.modelType} with this config.json needs`);
    if (tensor.shape.join() !== spec.shape.join()) {
      throw new ModelFileError(dir, `tensor ${spec.name} in ${dir} has shape [${tensor.shape.join(', ')}]; config.json implies [${spec.shape.join(', ')}]`);
    }
    weights.set(spec.name, toVariable(spec, tensor.data));
    byName.delete(spec.name);
  }
  // A tied head may still be stored (some exporters write it): it is the embedding, so it is dropped.
  byName.delete('lm_head.weight');
  if (byName.size > 0) {
    for (const v of weights.values()) v.dispose();
    throw new ModelFileError(dir, `the checkpoint in ${dir} has tensors this architecture does not use: ${[...byName.keys()].slice(0, 5).join(', ')}${byName.size > 5 ? ', …' : ''}`);
  }
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

async function readCheckpoint(dir: string): Promise<Map<string, StoredTensor>> {
  const index = await readModelJson(join(dir, 'model.safetensors.index.json'), indexSchema, true);
  if (index !== undefined) {
    const shards = [...new Set(Object.values(index.weight_map))].sort();
    const all = new Map<string, StoredTensor>();
    for (const shard of shards) for (const [name, t] of await readSafetensors(join(dir, shard))) all.set(name, t);
    return all;
  }
  // As transformers does: one `model.safetensors` unless an index lists shards.
  return readSafetensors(await requireModelFile(dir, 'model.safetensors', 'the weights; or model.safetensors.index.json for sharded ones'));
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
