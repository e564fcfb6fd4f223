/**
 * The BERT encoder (e5, BGE, MiniLM, the lab encoder) in tfjs, from `config.json` +
 * `model.safetensors`: the path `loadEncoder` takes when a model directory has no ONNX export
 * (and the one that can run on WebGPU). Same inputs and outputs as the ONNX graph:
 * `last_hidden_state` [B, T, H] for padded `input_ids`, `attention_mask`, `token_type_ids`.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { ModelFileError, requireModelFile } from '../model-files.js';
import { embed, layerNorm, linear, attention, splitHeads, mergeHeads } from '../lm/layers.js';
import { readSafetensors } from '../lm/safetensors.js';
import { tf, useTfjsBackend } from '../tfjs/index.js';
import type { PaddedBatch } from './batches.js';

const bertConfigSchema = z.looseObject({
  model_type: z.string().optional(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  layer_norm_eps: z.number().positive().default(1e-12),
  hidden_act: z.string().default('gelu'),
  position_embedding_type: z.string().default('absolute'),
});

/** Runs padded batches through the encoder and returns its last hidden states (row-major). */
export interface TfjsBertEncoder {
  lastHiddenState(batch: PaddedBatch): Promise<Float32Array>;
  dispose(): void;
}

/** Loads the weights of a BERT-family model (with or without the `bert.` prefix of task models). */
export async function loadTfjsBert(dir: string, rawConfig: Record<string, unknown>): Promise<TfjsBertEncoder> {
  await useTfjsBackend();
  const configPath = join(dir, 'config.json');
  const parsed = bertConfigSchema.safeParse(rawConfig);
  if (!parsed.success) throw new ModelFileError(configPath, `${configPath} is not a BERT configuration: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')} missing or invalid`);
  const c = parsed.data;
  if (c.model_type !== undefined && !['bert', 'xlm-roberta', 'roberta'].includes(c.model_type)) {
    throw new ModelFileError(configPath, `${configPath}: model_type ${c.model_type} has no tfjs encoder in s3lab (bert only); export it to ONNX as model.onnx`);
  }
  if (c.hidden_act !== 'gelu' || c.position_embedding_type !== 'absolute') {
    throw new ModelFileError(configPath, `${configPath}: hidden_act ${c.hidden_act} / position_embedding_type ${c.position_embedding_type}: the tfjs encoder implements gelu and absolute positions`);
  }
  const file = await requireModelFile(dir, 'model.safetensors', 'the weights (or model.onnx for the ONNX path)');
  const stored = await readSafetensors(file);
  const weights = new Map<string, tf.Tensor>();
  for (const [name, tensor] of stored) {
    const key = name.replace(/^bert\./, '');
    // PyTorch Linear weights are [out, in]; kept as [in, out] so every projection is x · W.
    const isLinear = /\.(query|key|value|dense)\.weight$/.test(key);
    weights.set(key, tf.tidy(() => {
      const t = tf.tensor(tensor.data, tensor.shape, 'float32');
      return isLinear ? tf.transpose(t) : t;
    }));
  }
  const get = <R extends tf.Rank>(name: string): tf.Tensor<R> => {
    const t = weights.get(name);
    if (t === undefined) throw new ModelFileError(file, `${file} has no tensor ${name}, which a BERT encoder needs`);
    return t as tf.Tensor<R>;
  };
  const heads = c.num_attention_heads;
  const headDim = c.hidden_size / heads;
  const eps = c.layer_norm_eps;

  return {
    async lastHiddenState(batch) {
      const rows = batch.indices.length;
      const width = batch.width;
      const hidden = tf.tidy(() => {
        const ids = tf.tensor2d(Int32Array.from(batch.inputIds, Number), [rows, width], 'int32');
        const types = tf.tensor2d(Int32Array.from(batch.tokenTypeIds, Number), [rows, width], 'int32');
        const positions = tf.tensor2d(Int32Array.from({ length: rows * width }, (_, i) => i % width), [rows, width], 'int32');
        const maskValues = new Float32Array(rows * width);
        batch.attentionMask.forEach((m, i) => (maskValues[i] = m === 1n ? 0 : -1e9));
        const mask = tf.tensor4d(maskValues, [rows, 1, 1, width]);
        let x = tf.add(tf.add(embed(get('embeddings.word_embeddings.weight'), ids), embed(get('embeddings.position_embeddings.weight'), positions)), embed(get('embeddings.token_type_embeddings.weight'), types)) as tf.Tensor3D;
        x = layerNorm(x, get('embeddings.LayerNorm.weight'), get('embeddings.LayerNorm.bias'), eps);
        for (let i = 0; i < c.num_hidden_layers; i++) {
          const p = `encoder.layer.${i}`;
          const proj = (name: string): tf.Tensor4D => splitHeads(linear(x, get(`${p}.attention.self.${name}.weight`), get(`${p}.attention.self.${name}.bias`)), heads, headDim);
          const context = mergeHeads(attention(proj('query'), proj('key'), proj('value'), mask));
          const attended = linear(context, get(`${p}.attention.output.dense.weight`), get(`${p}.attention.output.dense.bias`));
          x = layerNorm(tf.add(x, attended) as tf.Tensor3D, get(`${p}.attention.output.LayerNorm.weight`), get(`${p}.attention.output.LayerNorm.bias`), eps);
          const inner = gelu(linear(x, get(`${p}.intermediate.dense.weight`), get(`${p}.intermediate.dense.bias`)));
          const out = linear(inner, get(`${p}.output.dense.weight`), get(`${p}.output.dense.bias`));
          x = layerNorm(tf.add(x, out) as tf.Tensor3D, get(`${p}.output.LayerNorm.weight`), get(`${p}.output.LayerNorm.bias`), eps);
        }
        return x;
      });
      const data = (await hidden.data()) as Float32Array;
      hidden.dispose();
      return data;
    },
    dispose() {
      for (const t of weights.values()) t.dispose();
    },
  };
}

/** BERT's exact GELU: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)). */
function gelu(x: tf.Tensor3D): tf.Tensor3D {
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as tf.Tensor3D;
}
