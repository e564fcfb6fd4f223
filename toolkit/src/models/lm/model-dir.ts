/**
 * Reading a Hugging Face causal-LM directory (`config.json` + `model.safetensors`, or shards
 * listed in `model.safetensors.index.json`) into a validated architecture and the weights it
 * needs, whatever runtime then computes with them (tfjs or ONNX Runtime).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { ModelFileError, readModelJson, requireModelFile } from '../model-files.js';
import { configFileSchema, normaliseConfig, type LmConfig } from './config.js';
import { canonicalName, isBuffer, parameterSpecs } from './parameters.js';
import { readSafetensors, type StoredTensor } from './safetensors.js';

const indexSchema = z.object({ weight_map: z.record(z.string(), z.string()) });

/**
 * The directory's `config.json`: as read, and normalised. Errors name the file and the field.
 *
 * @example
 * ```ts
 * const { architecture } = await readLmConfig('test/fixtures/lm/tiny-qwen2'); // architecture.family === 'llama'
 * ```
 */
export async function readLmConfig(dir: string): Promise<{ architecture: LmConfig; raw: Record<string, unknown> }> {
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
  try {
    return { architecture: normaliseConfig(parsed.data), raw };
  } catch (cause) {
    throw new ModelFileError(configPath, `${configPath}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Every weight the architecture needs, by checkpoint name, in the checkpoint's shape (PyTorch's
 * [out, in] for Linear layers) and fp32. A missing tensor, a wrong shape or a tensor the
 * architecture does not use is an error naming it.
 *
 * @example
 * ```ts
 * const { architecture } = await readLmConfig(dir);
 * const weights = await readLmWeights(dir, architecture); // weights.get('model.norm.weight')
 * ```
 */
export async function readLmWeights(dir: string, architecture: LmConfig): Promise<Map<string, StoredTensor>> {
  const stored = await readCheckpoint(dir);
  const byName = new Map<string, StoredTensor>();
  for (const [name, tensor] of stored) if (!isBuffer(name)) byName.set(canonicalName(architecture, name), tensor);
  const weights = new Map<string, StoredTensor>();
  for (const spec of parameterSpecs(architecture)) {
    const tensor = byName.get(spec.name);
    if (tensor === undefined) throw new ModelFileError(dir, `the checkpoint in ${dir} has no tensor ${spec.name}, which a ${architecture.modelType} with this config.json needs`);
    if (tensor.shape.join() !== spec.shape.join()) {
      throw new ModelFileError(dir, `tensor ${spec.name} in ${dir} has shape [${tensor.shape.join(', ')}]; config.json implies [${spec.shape.join(', ')}]`);
    }
    weights.set(spec.name, tensor);
    byName.delete(spec.name);
  }
  // A tied head may still be stored (some exporters write it): it is the embedding, so it is dropped.
  byName.delete('lm_head.weight');
  if (byName.size > 0) {
    throw new ModelFileError(dir, `the checkpoint in ${dir} has tensors this architecture does not use: ${[...byName.keys()].slice(0, 5).join(', ')}${byName.size > 5 ? ', …' : ''}`);
  }
  return weights;
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
