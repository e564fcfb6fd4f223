/**
 * The Llama/Qwen2 forward pass as an ONNX graph (opset 17), computing what `llamaForward` in
 * transformer.ts and the blocks of layers.ts compute: embedding, N × (RMSNorm → grouped-query
 * attention with rotary embeddings over a KV cache → residual, RMSNorm → SiLU MLP → residual),
 * final RMSNorm, vocabulary head (tied or not).
 *
 * Inputs, computed in JavaScript by the functions the tfjs path uses (positions.ts):
 * - `input_ids` [B, T] int64;
 * - `rope_cos`, `rope_sin`: `ropeTables`' values, fed as [B, T, 1, D] (the same memory order as
 *   its [B, 1, T, D]) so that they broadcast over the heads of a [B, T, heads, D] tensor;
 * - `past_key.i`, `past_value.i` [B, KVH, C, D] per layer: a cache of C slots, of which only the
 *   first ones may hold keys (C may be 0);
 * - `attention_mask` [B, 1, T, C + T]: `attentionMask`'s additive values for the cached keys,
 *   then the cache's unused slots (masked), then the T new keys;
 * - `key_split` [2] int64: [C, T];
 * - `logit_positions` [N] int64: the positions of T whose logits are wanted (the last one while
 *   generating, all of them for `logits(ids)`), so one graph serves both.
 * Outputs: `logits` [B, N, V], and `key.i`, `value.i` [B, KVH, T, D]: the new positions' keys
 * (rotated) and values, which the caller writes into its cache.
 *
 * Why a cache of slots the caller fills, and attention over the cache and the new keys in two
 * products: the cache is only read, never copied, by a decoding step. A graph that concatenates
 * past and new keys copies the whole cache on every step, and returning it to JavaScript copies
 * it again; at batch 8 that doubled the lab generator's step time.
 *
 * Departures from the tfjs graph that change no value beyond rounding: the q, k and v projections
 * (and rotate_half of q and k, a signed permutation of their columns) are one product with their
 * weights side by side, as are gate and up; RMSNorm divides by sqrt(mean + eps) instead of
 * multiplying by its rsqrt, the pattern ONNX Runtime fuses into one SimplifiedLayerNormalization.
 */
import type { LmConfig } from '../config.js';
import { parameterSpecs } from '../parameters.js';
import { GraphBuilder } from './graph-builder.js';
import type { OnnxModel, OnnxValueInfo } from './onnx-proto.js';

/** Names of the graph's inputs and outputs. */
export const LLAMA_GRAPH_IO = {
  inputIds: 'input_ids',
  mask: 'attention_mask',
  keySplit: 'key_split',
  cos: 'rope_cos',
  sin: 'rope_sin',
  logitPositions: 'logit_positions',
  logits: 'logits',
  pastKey: (layer: number): string => `past_key.${layer}`,
  pastValue: (layer: number): string => `past_value.${layer}`,
  newKey: (layer: number): string => `key.${layer}`,
  newValue: (layer: number): string => `value.${layer}`,
} as const;

/** The opset the graph is written for: ReduceMean still takes its axes as an attribute. */
export const LLAMA_GRAPH_OPSET = 17;

/**
 * The model's ONNX graph with its weights as initializers. `weights` are by checkpoint name in
 * s3lab's in-memory orientation (Linear weights [in, out], as `TransformerLM.weights`).
 *
 * @example
 * ```ts
 * const bytes = encodeModel(buildLlamaGraph(architecture, weights));
 * const session = await InferenceSession.create(bytes);
 * ```
 */
export function buildLlamaGraph(c: LmConfig, weights: ReadonlyMap<string, Float32Array>): OnnxModel {
  if (c.family !== 'llama') throw new Error(`buildLlamaGraph: the ${c.modelType} family has no ONNX graph in s3lab (llama and qwen2 do)`);
  const shapes = new Map(parameterSpecs(c).map((s) => [s.name, s.transposed ? [s.shape[1] as number, s.shape[0] as number] : s.shape]));
  for (const [name, shape] of shapes) {
    const data = weights.get(name);
    const count = shape.reduce((a, b) => a * b, 1);
    if (data === undefined) throw new Error(`buildLlamaGraph: no weight ${name}`);
    if (data.length !== count) throw new Error(`buildLlamaGraph: weight ${name} has ${data.length} values; [${shape.join(', ')}] needs ${count}`);
  }
  const w = (name: string): Float32Array => weights.get(name) as Float32Array;
  const b = new GraphBuilder();
  const io = LLAMA_GRAPH_IO;
  const D = c.headDim;
  const H = c.numHeads;
  const KVH = c.numKvHeads;
  const G = H / KVH;
  const hidden = c.hiddenSize;

  const weight = (name: string): string => b.initializer(name, shapes.get(name) as number[], w(name));
  const rmsNorm = (x: string, name: string): string => {
    const variance = b.op('ReduceMean', [b.op('Pow', [x, b.scalar(2)])], { axes: { ints: [-1] }, keepdims: { int: 1 } });
    return b.op('Mul', [b.op('Div', [x, b.op('Sqrt', [b.op('Add', [variance, b.scalar(c.normEps)])])]), weight(name)]);
  };
  /** x [B, T, in] @ W [in, out] (+ bias), W given as its columns (and bias) in order. */
  const linear = (x: string, name: string, columns: readonly { matrix: Float32Array; bias?: Float32Array | undefined }[], inputs: number): string => {
    const width = columns.reduce((n, col) => n + col.matrix.length / inputs, 0);
    const matrix = columns.length === 1 ? (columns[0] as { matrix: Float32Array }).matrix : sideBySide(columns.map((col) => col.matrix), inputs);
    const y = b.op('MatMul', [x, b.initializer(`${name}.weight`, [inputs, width], matrix)]);
    if (columns.every((col) => col.bias === undefined)) return y;
    return b.op('Add', [y, b.initializer(`${name}.bias`, [width], concatenate(columns.map((col) => col.bias ?? new Float32Array(col.matrix.length / inputs))))]);
  };
  const bias = (name: string, present: boolean): Float32Array | undefined => (present ? w(name) : undefined);
  const perm = (...ints: number[]) => ({ perm: { ints } });

  let x = b.op('Gather', [weight('model.embed_tokens.weight'), io.inputIds], { axis: { int: 0 } });
  // Query heads are folded into the rows of their key/value head (as layers.ts `attention`):
  // the mask is repeated once for the G query heads of a group, here, for every layer.
  const mask = G === 1 ? io.mask : b.op('Concat', new Array<string>(G).fill(io.mask), { axis: { int: 2 } });
  const rotaryHeads = H + KVH;
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    const h = rmsNorm(x, `${p}.input_layernorm.weight`);
    const q = { matrix: w(`${p}.self_attn.q_proj.weight`), bias: bias(`${p}.self_attn.q_proj.bias`, c.qkvBias) };
    const k = { matrix: w(`${p}.self_attn.k_proj.weight`), bias: bias(`${p}.self_attn.k_proj.bias`, c.qkvBias) };
    const v = { matrix: w(`${p}.self_attn.v_proj.weight`), bias: bias(`${p}.self_attn.v_proj.bias`, c.qkvBias) };
    const rotated = (col: { matrix: Float32Array; bias?: Float32Array | undefined }) => ({ matrix: rotateHalfColumns(col.matrix, hidden, D), bias: col.bias && rotateHalfColumns(col.bias, 1, D) });
    // One product: [q | k | rotate_half(q) | rotate_half(k) | v].
    const projected = linear(h, `${p}.self_attn.qkv_proj`, [q, k, rotated(q), rotated(k), v], hidden);
    const [qk, qkRotated, vFlat] = b.ops('Split', [projected, b.ints([rotaryHeads * D, rotaryHeads * D, KVH * D])], 3, { axis: { int: 2 } }) as [string, string, string];
    // RoPE on q and k at once: x·cos + rotate_half(x)·sin over [B, T, H + KVH, D].
    const heads = b.ints([0, 0, rotaryHeads, D]);
    const roped = b.op('Add', [b.op('Mul', [b.op('Reshape', [qk, heads]), io.cos]), b.op('Mul', [b.op('Reshape', [qkRotated, heads]), io.sin])]);
    const [qHeads, kHeads] = b.ops('Split', [roped, b.ints([H, KVH])], 2, { axis: { int: 2 } }) as [string, string];
    const kNew = b.op('Transpose', [kHeads], perm(0, 2, 1, 3), io.newKey(i));
    const vNew = b.op('Transpose', [b.op('Reshape', [vFlat, b.ints([0, 0, KVH, D])])], perm(0, 2, 1, 3), io.newValue(i));
    // q [B, T, H, D] → [B, H, T, D] → [B, KVH, G·T, D].
    const qByHead = b.op('Transpose', [qHeads], perm(0, 2, 1, 3));
    const folded = G === 1 ? qByHead : b.op('Reshape', [qByHead, b.ints([0, KVH, -1, D])]);
    // Scores against the cache's slots and the new keys [B, KVH, G·T, C + T]; weights split back.
    const scale = b.scalar(1 / Math.sqrt(D));
    const scoresOf = (keys: string): string => b.op('Mul', [b.op('MatMul', [folded, b.op('Transpose', [keys], perm(0, 1, 3, 2))]), scale]);
    const scores = b.op('Concat', [scoresOf(io.pastKey(i)), scoresOf(kNew)], { axis: { int: 3 } });
    const probabilities = b.op('Softmax', [b.op('Add', [scores, mask])], { axis: { int: -1 } });
    const [pastWeights, newWeights] = b.ops('Split', [probabilities, io.keySplit], 2, { axis: { int: 3 } }) as [string, string];
    const attended = b.op('Add', [b.op('MatMul', [pastWeights, io.pastValue(i)]), b.op('MatMul', [newWeights, vNew])]);
    const unfolded = G === 1 ? attended : b.op('Reshape', [attended, b.ints([0, H, -1, D])]);
    const merged = b.op('Reshape', [b.op('Transpose', [unfolded], perm(0, 2, 1, 3)), b.ints([0, 0, H * D])]);
    const o = { matrix: w(`${p}.self_attn.o_proj.weight`), bias: bias(`${p}.self_attn.o_proj.bias`, c.outputBias) };
    const mid = b.op('Add', [x, linear(merged, `${p}.self_attn.o_proj`, [o], H * D)]);
    const m = rmsNorm(mid, `${p}.post_attention_layernorm.weight`);
    const gate = { matrix: w(`${p}.mlp.gate_proj.weight`), bias: bias(`${p}.mlp.gate_proj.bias`, c.mlpBias) };
    const up = { matrix: w(`${p}.mlp.up_proj.weight`), bias: bias(`${p}.mlp.up_proj.bias`, c.mlpBias) };
    const [gated, upped] = b.ops('Split', [linear(m, `${p}.mlp.gate_up_proj`, [gate, up], hidden), b.ints([c.intermediateSize, c.intermediateSize])], 2, { axis: { int: 2 } }) as [string, string];
    const activated = b.op('Mul', [b.op('Mul', [gated, b.op('Sigmoid', [gated])]), upped]);
    const down = { matrix: w(`${p}.mlp.down_proj.weight`), bias: bias(`${p}.mlp.down_proj.bias`, c.mlpBias) };
    x = b.op('Add', [mid, linear(activated, `${p}.mlp.down_proj`, [down], c.intermediateSize)]);
  }
  // Only the wanted positions go through the final norm and the head (a [T, V] product otherwise).
  const selected = rmsNorm(b.op('Gather', [x, io.logitPositions], { axis: { int: 1 } }), 'model.norm.weight');
  const head = c.tieWordEmbeddings
    ? b.initializer('lm_head.transposed', [hidden, c.vocabSize], transpose(w('model.embed_tokens.weight'), c.vocabSize, hidden))
    : weight('lm_head.weight');
  b.op('MatMul', [selected, head], undefined, io.logits);

  const cache = (name: string, time: string): OnnxValueInfo => ({ name, type: 'float32', shape: ['batch', KVH, time, D] });
  const inputs: OnnxValueInfo[] = [
    { name: io.inputIds, type: 'int64', shape: ['batch', 'time'] },
    { name: io.cos, type: 'float32', shape: ['batch', 'time', 1, D] },
    { name: io.sin, type: 'float32', shape: ['batch', 'time', 1, D] },
    { name: io.mask, type: 'float32', shape: ['batch', 1, 'time', 'keys'] },
    { name: io.keySplit, type: 'int64', shape: [2] },
    { name: io.logitPositions, type: 'int64', shape: ['positions'] },
  ];
  const outputs: OnnxValueInfo[] = [{ name: io.logits, type: 'float32', shape: ['batch', 'positions', c.vocabSize] }];
  for (let i = 0; i < c.numLayers; i++) {
    inputs.push(cache(io.pastKey(i), 'slots'), cache(io.pastValue(i), 'slots'));
    outputs.push(cache(io.newKey(i), 'time'), cache(io.newValue(i), 'time'));
  }
  return { opsetVersion: LLAMA_GRAPH_OPSET, producer: 's3lab', graph: b.graph(`${c.modelType}-causal-lm`, inputs, outputs) };
}

/**
 * The columns of a [rows, heads·D] matrix (or bias, rows = 1) that give rotate_half of each
 * head's D outputs: [−x₂, x₁] for x = [x₁, x₂] (a signed permutation, so exact).
 */
function rotateHalfColumns(matrix: Float32Array, rows: number, D: number): Float32Array {
  const width = matrix.length / rows;
  const half = D / 2;
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < width; col++) {
      const within = col % D;
      const source = within < half ? col + half : col - half;
      const value = matrix[r * width + source] as number;
      out[r * width + col] = within < half ? -value : value;
    }
  }
  return out;
}

/** Row-major matrices with the same number of rows, side by side: [rows, Σ cols]. */
function sideBySide(matrices: readonly Float32Array[], rows: number): Float32Array {
  const widths = matrices.map((m) => m.length / rows);
  const width = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let at = r * width;
    matrices.forEach((m, i) => {
      const cols = widths[i] as number;
      out.set(m.subarray(r * cols, (r + 1) * cols), at);
      at += cols;
    });
  }
  return out;
}

/** The arrays end to end, as one. */
export function concatenate(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A row-major [rows, cols] matrix transposed to [cols, rows]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}
