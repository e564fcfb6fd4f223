/**
 * The weights of each family under their Hugging Face names, with the shape they have in the
 * checkpoint. Linear layers are stored by PyTorch as [out, in]; s3lab keeps them as [in, out]
 * so that every projection is a plain `x @ W` (GPT-2's Conv1D already is), and transposes
 * once when loading and saving.
 */
import type { LmConfig } from './config.js';

export type ParameterInit = 'normal' | 'ones' | 'zeros';

export interface ParameterSpec {
  /** Name in the checkpoint (`model.layers.0.self_attn.q_proj.weight`). */
  name: string;
  /** Shape in the checkpoint. */
  shape: number[];
  /** True for PyTorch Linear weights, kept transposed ([in, out]) in memory. */
  transposed: boolean;
  init: ParameterInit;
}

/** Every parameter of a model with this configuration, in a fixed order. */
export function parameterSpecs(config: LmConfig): ParameterSpec[] {
  return config.family === 'gpt2' ? gpt2Specs(config) : llamaSpecs(config);
}

function llamaSpecs(c: LmConfig): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  const linear = (name: string, inputs: number, outputs: number, bias: boolean): void => {
    specs.push({ name: `${name}.weight`, shape: [outputs, inputs], transposed: true, init: 'normal' });
    if (bias) specs.push({ name: `${name}.bias`, shape: [outputs], transposed: false, init: 'zeros' });
  };
  const norm = (name: string): void => {
    specs.push({ name: `${name}.weight`, shape: [c.hiddenSize], transposed: false, init: 'ones' });
  };
  specs.push({ name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.hiddenSize], transposed: false, init: 'normal' });
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    norm(`${p}.input_layernorm`);
    linear(`${p}.self_attn.q_proj`, c.hiddenSize, q, c.qkvBias);
    linear(`${p}.self_attn.k_proj`, c.hiddenSize, kv, c.qkvBias);
    linear(`${p}.self_attn.v_proj`, c.hiddenSize, kv, c.qkvBias);
    linear(`${p}.self_attn.o_proj`, q, c.hiddenSize, c.outputBias);
    norm(`${p}.post_attention_layernorm`);
    linear(`${p}.mlp.gate_proj`, c.hiddenSize, c.intermediateSize, c.mlpBias);
    linear(`${p}.mlp.up_proj`, c.hiddenSize, c.intermediateSize, c.mlpBias);
    linear(`${p}.mlp.down_proj`, c.intermediateSize, c.hiddenSize, c.mlpBias);
  }
  norm('model.norm');
  if (!c.tieWordEmbeddings) linear('lm_head', c.hiddenSize, c.vocabSize, false);
  return specs;
}

function gpt2Specs(c: LmConfig): ParameterSpec[] {
  const h = c.hiddenSize;
  const specs: ParameterSpec[] = [];
  // Conv1D: weight [in, out], the layout s3lab computes with, so never transposed.
  const conv = (name: string, inputs: number, outputs: number): void => {
    specs.push({ name: `${name}.weight`, shape: [inputs, outputs], transposed: false, init: 'normal' });
    specs.push({ name: `${name}.bias`, shape: [outputs], transposed: false, init: 'zeros' });
  };
  const layerNorm = (name: string): void => {
    specs.push({ name: `${name}.weight`, shape: [h], transposed: false, init: 'ones' });
    specs.push({ name: `${name}.bias`, shape: [h], transposed: false, init: 'zeros' });
  };
  specs.push({ name: 'transformer.wte.weight', shape: [c.vocabSize, h], transposed: false, init: 'normal' });
  specs.push({ name: 'transformer.wpe.weight', shape: [c.maxPositions, h], transposed: false, init: 'normal' });
  for (let i = 0; i < c.numLayers; i++) {
    const p = `transformer.h.${i}`;
    layerNorm(`${p}.ln_1`);
    conv(`${p}.attn.c_attn`, h, 3 * h);
    conv(`${p}.attn.c_proj`, h, h);
    layerNorm(`${p}.ln_2`);
    conv(`${p}.mlp.c_fc`, h, c.intermediateSize);
    conv(`${p}.mlp.c_proj`, c.intermediateSize, h);
  }
  layerNorm('transformer.ln_f');
  if (!c.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocabSize, h], transposed: false, init: 'normal' });
  return specs;
}

/**
 * The checkpoint name of a stored tensor as s3lab names it: GPT-2 checkpoints saved from
 * `GPT2Model` (OpenAI's originals) lack the `transformer.` prefix that `GPT2LMHeadModel` adds.
 */
export function canonicalName(config: LmConfig, stored: string): string {
  if (config.family === 'gpt2' && !stored.startsWith('transformer.') && stored !== 'lm_head.weight') return `transformer.${stored}`;
  return stored;
}

/** Stored tensors that are buffers, not weights (GPT-2's causal-mask `attn.bias`), skipped on load. */
export function isBuffer(name: string): boolean {
  return /\.attn\.(masked_)?bias$/.test(name) || name.endsWith('rotary_emb.inv_freq');
}
