/**
 * The forward pass of both families, over a batch, with an optional key/value cache. Read it
 * top to bottom like the papers' figures: embed, N × (norm → attention → residual, norm → MLP
 * → residual), final norm, vocabulary head.
 */
import { tf } from '../tfjs/index.js';
import type { LmConfig } from './config.js';
import { applyRope, attention, embed, groupMask, geluNew, layerNorm, linear, linearTransposed, mergeHeads, rmsNorm, ropeTables, silu, splitHeads } from './layers.js';

/** Keys and values of every earlier position, per layer: [B, KVH, S, D] each. */
// A type alias, not an interface, so that tf.tidy accepts it as a TensorContainer.
export type LayerCache = { k: tf.Tensor4D; v: tf.Tensor4D };

/** One forward call: token ids [B, T], their positions, and which keys each query may see. */
export interface ForwardInput {
  ids: tf.Tensor2D;
  positions: readonly (readonly number[])[];
  /** Additive attention mask [B, 1, T, S] where S = cached positions + T. */
  mask: tf.Tensor4D;
  /** The cache from earlier calls (same batch rows), or undefined for none. */
  cache?: readonly LayerCache[];
}

/** A value the mask adds to forbidden scores: large enough that softmax gives exactly 0. */
const MASKED = -1e9;

export type Weights = ReadonlyMap<string, tf.Tensor>;

/** Hidden states after the final norm [B, T, H], and the cache extended by these positions. */
export function forwardHidden(config: LmConfig, w: Weights, input: ForwardInput): { hidden: tf.Tensor3D; cache: LayerCache[] } {
  return config.family === 'gpt2' ? gpt2Forward(config, w, input) : llamaForward(config, w, input);
}

/** The name of the [vocab, hidden] matrix the head multiplies by transposed, or undefined for an [hidden, vocab] head. */
export function embeddingShapedHead(config: LmConfig): string | undefined {
  if (config.family === 'gpt2') return config.tieWordEmbeddings ? 'transformer.wte.weight' : 'lm_head.weight';
  return config.tieWordEmbeddings ? 'model.embed_tokens.weight' : undefined;
}

/**
 * Vocabulary logits [B, T, V] from final hidden states. `headTransposed`, when given, is the
 * embedding-shaped head already transposed to [hidden, vocab] (a cached copy for inference).
 */
export function vocabularyHead(config: LmConfig, w: Weights, hidden: tf.Tensor3D, headTransposed?: tf.Tensor2D): tf.Tensor3D {
  const embeddingShaped = embeddingShapedHead(config);
  if (embeddingShaped === undefined) return linear(hidden, get(w, 'lm_head.weight'));
  return headTransposed !== undefined ? linear(hidden, headTransposed) : linearTransposed(hidden, get(w, embeddingShaped));
}

function llamaForward(c: LmConfig, w: Weights, input: ForwardInput): { hidden: tf.Tensor3D; cache: LayerCache[] } {
  const { cos, sin } = ropeTables(input.positions, c.headDim, c.ropeTheta);
  let x: tf.Tensor3D = embed(get(w, 'model.embed_tokens.weight'), input.ids);
  const mask = groupMask(input.mask, c.numHeads / c.numKvHeads);
  const cache: LayerCache[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    // One scope per layer: a layer's scores and activations are freed before the next layer runs,
    // so a long batched prefill holds one layer's intermediates, not all of them (the WASM heap
    // ran out at 16 × 550 tokens otherwise). Tensors the backward pass needs are kept by the tape.
    const layer = tf.tidy(() => {
      const p = `model.layers.${i}`;
      const h = rmsNorm(x, get(w, `${p}.input_layernorm.weight`), c.normEps);
      const q = applyRope(splitHeads(linear(h, get(w, `${p}.self_attn.q_proj.weight`), opt(w, `${p}.self_attn.q_proj.bias`)), c.numHeads, c.headDim), cos, sin);
      let k = applyRope(splitHeads(linear(h, get(w, `${p}.self_attn.k_proj.weight`), opt(w, `${p}.self_attn.k_proj.bias`)), c.numKvHeads, c.headDim), cos, sin);
      let v = splitHeads(linear(h, get(w, `${p}.self_attn.v_proj.weight`), opt(w, `${p}.self_attn.v_proj.bias`)), c.numKvHeads, c.headDim);
      const past = input.cache?.[i];
      if (past !== undefined) {
        k = tf.concat([past.k, k], 2);
        v = tf.concat([past.v, v], 2);
      }
      const attended = linear(mergeHeads(attention(q, k, v, mask)), get(w, `${p}.self_attn.o_proj.weight`), opt(w, `${p}.self_attn.o_proj.bias`));
      const mid = tf.add(x, attended) as tf.Tensor3D;
      const m = rmsNorm(mid, get(w, `${p}.post_attention_layernorm.weight`), c.normEps);
      const gate = silu(linear(m, get(w, `${p}.mlp.gate_proj.weight`), opt(w, `${p}.mlp.gate_proj.bias`))) as tf.Tensor3D;
      const up = linear(m, get(w, `${p}.mlp.up_proj.weight`), opt(w, `${p}.mlp.up_proj.bias`));
      return { x: tf.add(mid, linear(tf.mul(gate, up), get(w, `${p}.mlp.down_proj.weight`), opt(w, `${p}.mlp.down_proj.bias`))) as tf.Tensor3D, k, v };
    });
    x = layer.x;
    cache.push({ k: layer.k, v: layer.v });
  }
  return { hidden: rmsNorm(x, get(w, 'model.norm.weight'), c.normEps), cache };
}

function gpt2Forward(c: LmConfig, w: Weights, input: ForwardInput): { hidden: tf.Tensor3D; cache: LayerCache[] } {
  const positions = tf.tensor2d(input.positions.flat(), [input.positions.length, input.positions[0]?.length ?? 0], 'int32');
  let x: tf.Tensor3D = tf.add(embed(get(w, 'transformer.wte.weight'), input.ids), embed(get(w, 'transformer.wpe.weight'), positions));
  const cache: LayerCache[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `transformer.h.${i}`;
    const h = layerNorm(x, get(w, `${p}.ln_1.weight`), get(w, `${p}.ln_1.bias`), c.normEps);
    const qkv = linear(h, get(w, `${p}.attn.c_attn.weight`), get(w, `${p}.attn.c_attn.bias`));
    const [q, kNew, vNew] = tf.split(qkv, 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    let k = splitHeads(kNew, c.numHeads, c.headDim);
    let v = splitHeads(vNew, c.numHeads, c.headDim);
    const past = input.cache?.[i];
    if (past !== undefined) {
      k = tf.concat([past.k, k], 2);
      v = tf.concat([past.v, v], 2);
    }
    cache.push({ k, v });
    const attended = attention(splitHeads(q, c.numHeads, c.headDim), k, v, input.mask);
    x = tf.add(x, linear(mergeHeads(attended), get(w, `${p}.attn.c_proj.weight`), get(w, `${p}.attn.c_proj.bias`))) as tf.Tensor3D;
    const m = layerNorm(x, get(w, `${p}.ln_2.weight`), get(w, `${p}.ln_2.bias`), c.normEps);
    const inner = geluNew(linear(m, get(w, `${p}.mlp.c_fc.weight`), get(w, `${p}.mlp.c_fc.bias`))) as tf.Tensor3D;
    x = tf.add(x, linear(inner, get(w, `${p}.mlp.c_proj.weight`), get(w, `${p}.mlp.c_proj.bias`))) as tf.Tensor3D;
  }
  return { hidden: layerNorm(x, get(w, 'transformer.ln_f.weight'), get(w, 'transformer.ln_f.bias'), c.normEps), cache };
}

/**
 * The additive mask [B, 1, T, S] for T new query positions at the end of S key positions:
 * a query sees the keys at or before it whose `keyMask` is 1 (0 marks left padding).
 */
export function attentionMask(keyMask: readonly (readonly number[])[], queries: number): tf.Tensor4D {
  const batch = keyMask.length;
  const keys = keyMask[0]?.length ?? 0;
  const values = new Float32Array(batch * queries * keys);
  for (let b = 0; b < batch; b++) {
    const row = keyMask[b] as readonly number[];
    for (let t = 0; t < queries; t++) {
      const last = keys - queries + t;
      const base = (b * queries + t) * keys;
      for (let s = 0; s < keys; s++) values[base + s] = s <= last && row[s] === 1 ? 0 : MASKED;
    }
  }
  return tf.tensor4d(values, [batch, 1, queries, keys]);
}

/** Position ids as transformers derives them from a mask: the count of real tokens before each one. */
export function positionsFromMask(keyMask: readonly (readonly number[])[]): number[][] {
  return keyMask.map((row) => {
    let seen = 0;
    return row.map((m) => (m === 1 ? seen++ : 0));
  });
}

function get<R extends tf.Rank>(w: Weights, name: string): tf.Tensor<R> {
  const t = w.get(name);
  if (t === undefined) throw new Error(`the model has no weight ${name}`);
  return t as tf.Tensor<R>;
}

function opt<R extends tf.Rank>(w: Weights, name: string): tf.Tensor<R> | undefined {
  return w.get(name) as tf.Tensor<R> | undefined;
}
