/**
 * `config.json` of a Hugging Face causal LM, read into the few numbers the forward pass needs.
 * Llama and Qwen2 share one architecture (RMSNorm, RoPE, grouped-query attention, SwiGLU);
 * they differ in which projections carry biases. GPT-2 is the other family s3lab runs.
 */
import { z } from 'zod';

export type LmFamily = 'llama' | 'gpt2';

/** The architecture, normalised across families. */
export interface LmConfig {
  family: LmFamily;
  /** `model_type` as written in the file (`llama`, `qwen2`, `gpt2`). */
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  maxPositions: number;
  normEps: number;
  /** RoPE base (llama family). */
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  /** Biases on the q, k, v projections (Qwen2: yes; Llama: `attention_bias`). */
  qkvBias: boolean;
  /** Bias on the attention output projection (Llama's `attention_bias`; Qwen2: no). */
  outputBias: boolean;
  /** Biases on the MLP projections (Llama's `mlp_bias`). */
  mlpBias: boolean;
  /** Token ids that end generation (`eos_token_id`, a number or a list). */
  eosTokenIds: number[];
}

const tokenIds = z.union([z.number().int(), z.array(z.number().int())]).nullish()
  .transform((v) => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]));

const ropeScaling = z.union([z.null(), z.object({ rope_type: z.string().optional(), type: z.string().optional() }).loose()]).optional();

const llamaSchema = z.object({
  model_type: z.enum(['llama', 'qwen2']),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().nullish(),
  head_dim: z.number().int().positive().nullish(),
  intermediate_size: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive(),
  rms_norm_eps: z.number().positive(),
  rope_theta: z.number().positive().optional(),
  rope_parameters: z.object({ rope_theta: z.number().positive().optional(), rope_type: z.string().optional() }).loose().nullish(),
  rope_scaling: ropeScaling,
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  hidden_act: z.string().optional(),
  eos_token_id: tokenIds,
}).loose();

const gpt2Schema = z.object({
  model_type: z.literal('gpt2'),
  vocab_size: z.number().int().positive(),
  n_embd: z.number().int().positive(),
  n_layer: z.number().int().positive(),
  n_head: z.number().int().positive(),
  n_inner: z.number().int().positive().nullish(),
  n_positions: z.number().int().positive(),
  layer_norm_epsilon: z.number().positive().optional(),
  activation_function: z.string().optional(),
  tie_word_embeddings: z.boolean().optional(),
  scale_attn_by_inverse_layer_idx: z.boolean().optional(),
  reorder_and_upcast_attn: z.boolean().optional(),
  eos_token_id: tokenIds,
}).loose();

export const configFileSchema = z.discriminatedUnion('model_type', [llamaSchema, gpt2Schema]);

/**
 * Normalises a parsed `config.json`. Throws (with the field named) on architecture variants
 * s3lab does not implement, rather than computing something subtly different.
 */
export function normaliseConfig(raw: z.infer<typeof configFileSchema>): LmConfig {
  if (raw.model_type === 'gpt2') {
    if (raw.activation_function !== undefined && raw.activation_function !== 'gelu_new') {
      throw new Error(`activation_function ${JSON.stringify(raw.activation_function)} is not supported for gpt2 (s3lab implements gelu_new)`);
    }
    if (raw.scale_attn_by_inverse_layer_idx === true || raw.reorder_and_upcast_attn === true) {
      throw new Error('scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported for gpt2');
    }
    if (raw.n_embd % raw.n_head !== 0) throw new Error(`n_embd ${raw.n_embd} is not a multiple of n_head ${raw.n_head}`);
    return {
      family: 'gpt2',
      modelType: 'gpt2',
      vocabSize: raw.vocab_size,
      hiddenSize: raw.n_embd,
      numLayers: raw.n_layer,
      numHeads: raw.n_head,
      numKvHeads: raw.n_head,
      headDim: raw.n_embd / raw.n_head,
      intermediateSize: raw.n_inner ?? 4 * raw.n_embd,
      maxPositions: raw.n_positions,
      normEps: raw.layer_norm_epsilon ?? 1e-5,
      ropeTheta: 0,
      tieWordEmbeddings: raw.tie_word_embeddings ?? true,
      qkvBias: true,
      outputBias: true,
      mlpBias: true,
      eosTokenIds: raw.eos_token_id,
    };
  }
  const scaling = raw.rope_scaling ?? null;
  const ropeType = scaling?.rope_type ?? scaling?.type ?? raw.rope_parameters?.rope_type ?? 'default';
  if (ropeType !== 'default') throw new Error(`rope scaling ${JSON.stringify(ropeType)} is not supported (s3lab implements plain RoPE)`);
  if (raw.hidden_act !== undefined && raw.hidden_act !== 'silu') throw new Error(`hidden_act ${JSON.stringify(raw.hidden_act)} is not supported (s3lab implements silu)`);
  const numKvHeads = raw.num_key_value_heads ?? raw.num_attention_heads;
  if (raw.num_attention_heads % numKvHeads !== 0) {
    throw new Error(`num_attention_heads ${raw.num_attention_heads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  const isQwen2 = raw.model_type === 'qwen2';
  return {
    family: 'llama',
    modelType: raw.model_type,
    vocabSize: raw.vocab_size,
    hiddenSize: raw.hidden_size,
    numLayers: raw.num_hidden_layers,
    numHeads: raw.num_attention_heads,
    numKvHeads,
    headDim: raw.head_dim ?? raw.hidden_size / raw.num_attention_heads,
    intermediateSize: raw.intermediate_size,
    maxPositions: raw.max_position_embeddings,
    normEps: raw.rms_norm_eps,
    ropeTheta: raw.rope_theta ?? raw.rope_parameters?.rope_theta ?? 10000,
    tieWordEmbeddings: raw.tie_word_embeddings ?? false, // LlamaConfig and Qwen2Config both default to untied
    qkvBias: isQwen2 || raw.attention_bias === true,
    outputBias: !isQwen2 && raw.attention_bias === true,
    mlpBias: !isQwen2 && raw.mlp_bias === true,
    eosTokenIds: raw.eos_token_id,
  };
}
