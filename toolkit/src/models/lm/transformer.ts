/**
 * The forward pass of both families, over a batch, with an optional key/value cache. Read it
 * top to bottom like the papers' figures: embed, N × (norm → attention → residual, norm → MLP
 * → residual), final norm, vocabulary head.
 */
import { tf } from '../tfjs/index.js';
import type { LmConfig } from './config.js';
import { attentionMaskValues } from './positions.js';
import { attention, embed, groupMask, geluNew, layerNorm, linear, linearTransposed, mergeHeads, residualLinear, rmsNorm, rotatedHeads, ropeTables, splitHeads, swiglu } from './layers.js';

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
  /** The same ids as host arrays, where the caller has them: on WebGPU the embedding's gradient groups positions by id with them. */
  idRows?: readonly (readonly number[])[];
}

export type Weights = ReadonlyMap<string, tf.Tensor>;

// Re-exported: callers of the forward pass (the trainers, benchmarks) derive positions here.
export { positionsFromMask } from './positions.js';

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
  let x: tf.Tensor3D = embed(get(w, 'model.embed_tokens.weight'), input.ids, input.idRows);
  const mask = groupMask(input.mask, c.numHeads / c.numKvHeads);
  const cache: LayerCache[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    // One scope per layer: a layer's scores and activations are freed before the next layer runs,
    // so a long batched prefill holds one layer's intermediates, not all of them (the WASM heap
    // ran out at 16 × 550 tokens otherwise). Tensors the backward pass needs are kept by the tape.
    const layer = tf.tidy(() => {
      const h = rmsNorm(x, get(w, `model.layers.${i}.input_layernorm.weight`), c.normEps);
      let { k, v } = llamaKeysValues(c, w, i, h, cos, sin);
      const past = input.cache?.[i];
      if (past !== undefined) {
        k = tf.concat([past.k, k], 2);
        v = tf.concat([past.v, v], 2);
      }
      return { x: llamaBlockRest(c, w, i, x, h, { cos, sin, k, v, mask }), k, v };
    });
    x = layer.x;
    cache.push({ k: layer.k, v: layer.v });
  }
  return { hidden: rmsNorm(x, get(w, 'model.norm.weight'), c.normEps), cache };
}

/** Layer i's keys (rotated) and values [B, KVH, T, D] from its normed input h. */
function llamaKeysValues(c: LmConfig, w: Weights, i: number, h: tf.Tensor3D, cos: tf.Tensor4D, sin: tf.Tensor4D): { k: tf.Tensor4D; v: tf.Tensor4D } {
  const p = `model.layers.${i}.self_attn`;
  const k = rotatedHeads(h, get(w, `${p}.k_proj.weight`), opt(w, `${p}.k_proj.bias`), c.numKvHeads, c.headDim, cos, sin);
  const v = splitHeads(linear(h, get(w, `${p}.v_proj.weight`), opt(w, `${p}.v_proj.bias`)), c.numKvHeads, c.headDim);
  return { k, v };
}

/**
 * The rest of layer i for the query positions in x (with h = its input norm of x): attention to
 * `k`, `v` under the grouped `mask`, residual, MLP, residual. `cos`/`sin` are the queries' tables.
 */
function llamaBlockRest(c: LmConfig, w: Weights, i: number, x: tf.Tensor3D, h: tf.Tensor3D, at: { cos: tf.Tensor4D; sin: tf.Tensor4D; k: tf.Tensor4D; v: tf.Tensor4D; mask: tf.Tensor4D }): tf.Tensor3D {
  const p = `model.layers.${i}`;
  const q = rotatedHeads(h, get(w, `${p}.self_attn.q_proj.weight`), opt(w, `${p}.self_attn.q_proj.bias`), c.numHeads, c.headDim, at.cos, at.sin);
  const mid = residualLinear(x, mergeHeads(attention(q, at.k, at.v, at.mask)), get(w, `${p}.self_attn.o_proj.weight`), opt(w, `${p}.self_attn.o_proj.bias`));
  const m = rmsNorm(mid, get(w, `${p}.post_attention_layernorm.weight`), c.normEps);
  const gate = linear(m, get(w, `${p}.mlp.gate_proj.weight`), opt(w, `${p}.mlp.gate_proj.bias`));
  const up = linear(m, get(w, `${p}.mlp.up_proj.weight`), opt(w, `${p}.mlp.up_proj.bias`));
  return residualLinear(mid, swiglu(gate, up), get(w, `${p}.mlp.down_proj.weight`), opt(w, `${p}.mlp.down_proj.bias`));
}

/**
 * Final hidden states at chosen positions only, [N, H]: `select[b]` lists the (padded) positions of
 * row b whose states are wanted, ascending; rows follow one another. Differentiable.
 *
 * Only the last layer is cut down, and exactly: every position's keys and values still come from
 * all positions, but queries, attention, MLP and the final norm run at the chosen positions alone.
 * A trainer that scores a searcher's few own tokens in a transcript of retrieved text (RL) skips
 * most of the last layer that way, forward and backward.
 */
export function forwardSelectedHidden(config: LmConfig, w: Weights, input: ForwardInput, select: readonly (readonly number[])[]): tf.Tensor2D {
  if (input.cache !== undefined) throw new Error('forwardSelectedHidden: a key/value cache is not supported');
  const runsOf = select.map(runsOfPositions);
  const rowsAt = (t: tf.Tensor3D, b: number): tf.Tensor3D => {
    const runs = runsOf[b] as [number, number][];
    const pieces = runs.map(([s, e]) => tf.slice(t, [b, s, 0], [1, e - s, t.shape[2]]));
    return (pieces.length === 1 ? pieces[0] : tf.concat(pieces, 1)) as tf.Tensor3D;
  };
  const selectedRows = (rows: tf.Tensor3D[]): tf.Tensor2D => {
    const kept = rows.filter((r) => r.shape[1] > 0);
    const joined = (kept.length === 1 ? kept[0] : tf.concat(kept, 1)) as tf.Tensor3D;
    return tf.reshape(joined, [joined.shape[1], joined.shape[2]]);
  };
  if (config.family === 'gpt2' || config.numLayers === 0) {
    const { hidden } = forwardHidden(config, w, input);
    return selectedRows(select.map((_, b) => rowsAt(hidden, b)));
  }
  const c = config;
  const groups = c.numHeads / c.numKvHeads;
  const { cos, sin } = ropeTables(input.positions, c.headDim, c.ropeTheta);
  let x: tf.Tensor3D = embed(get(w, 'model.embed_tokens.weight'), input.ids, input.idRows);
  const mask = groupMask(input.mask, groups);
  for (let i = 0; i < c.numLayers - 1; i++) {
    x = tf.tidy(() => {
      const h = rmsNorm(x, get(w, `model.layers.${i}.input_layernorm.weight`), c.normEps);
      return llamaBlockRest(c, w, i, x, h, { cos, sin, ...llamaKeysValues(c, w, i, h, cos, sin), mask });
    });
  }
  const last = c.numLayers - 1;
  const h = rmsNorm(x, get(w, `model.layers.${last}.input_layernorm.weight`), c.normEps);
  const { k, v } = llamaKeysValues(c, w, last, h, cos, sin);
  const width = x.shape[1];
  const outs = select.map((positions, b) => {
    if (positions.length === 0) return tf.zeros([1, 0, x.shape[2]]) as tf.Tensor3D;
    return tf.tidy(() => {
      const tables = ropeTables([positions.map((t) => input.positions[b]?.[t] as number)], c.headDim, c.ropeTheta);
      const rowMask = rowsAt(tf.reshape(input.mask, [select.length, width, width]), b);
      const kv = { k: tf.slice(k, [b, 0, 0, 0], [1, c.numKvHeads, width, c.headDim]), v: tf.slice(v, [b, 0, 0, 0], [1, c.numKvHeads, width, c.headDim]) };
      return llamaBlockRest(c, w, last, rowsAt(x, b), rowsAt(h, b), { ...tables, ...kv, mask: groupMask(tf.expandDims(rowMask, 1) as tf.Tensor4D, groups) });
    });
  });
  const states = selectedRows(outs);
  return tf.reshape(rmsNorm(tf.expandDims(states, 0) as tf.Tensor3D, get(w, 'model.norm.weight'), c.normEps), states.shape);
}

/** Ascending positions as [start, end) runs of consecutive ones. */
function runsOfPositions(positions: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  positions.forEach((t, j) => {
    if (j > 0 && t <= (positions[j - 1] as number)) throw new Error(`forwardSelectedHidden: positions must ascend (got ${positions[j - 1]} then ${t})`);
    const run = runs.at(-1);
    if (run && run[1] === t) run[1] = t + 1;
    else runs.push([t, t + 1]);
  });
  return runs;
}

function gpt2Forward(c: LmConfig, w: Weights, input: ForwardInput): { hidden: tf.Tensor3D; cache: LayerCache[] } {
  const positions = tf.tensor2d(input.positions.flat(), [input.positions.length, input.positions[0]?.length ?? 0], 'int32');
  let x: tf.Tensor3D = tf.add(embed(get(w, 'transformer.wte.weight'), input.ids, input.idRows), embed(get(w, 'transformer.wpe.weight'), positions, input.positions));
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

/** The additive mask [B, 1, T, S] for T new query positions at the end of S key positions (see {@link attentionMaskValues}). */
export function attentionMask(keyMask: readonly (readonly number[])[], queries: number): tf.Tensor4D {
  return tf.tensor4d(attentionMaskValues(keyMask, queries), [keyMask.length, 1, queries, keyMask[0]?.length ?? 0]);
}

function get<R extends tf.Rank>(w: Weights, name: string): tf.Tensor<R> {
  const t = w.get(name);
  if (t === undefined) throw new Error(`the model has no weight ${name}`);
  return t as tf.Tensor<R>;
}

function opt<R extends tf.Rank>(w: Weights, name: string): tf.Tensor<R> | undefined {
  return w.get(name) as tf.Tensor<R> | undefined;
}
