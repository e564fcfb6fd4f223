/**
 * The building blocks of both families as tfjs functions: every one is differentiable with
 * the kernels the WASM backend has (the embedding's gradient avoids `UnsortedSegmentSum`).
 */
import { fusedKernelsActive, fusedMaskedSoftmax, fusedRmsNorm, fusedRope, fusedSwiglu, matMul, positionsById, segmentSumRows, tf } from '../tfjs/index.js';
import { ropeTableValues } from './positions.js';

/** `x @ w (+ b)` over the last axis of a [B, T, in] tensor; `w` is [in, out]. */
export function linear(x: tf.Tensor3D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor3D {
  const [batch, time, inputs] = x.shape;
  const rows = tf.reshape(x, [batch * time, inputs]);
  // On WebGPU the bias rides in the product's kernel (tfjs's fused product): one dispatch, not two.
  if (b !== undefined && fusedKernelsActive()) return tf.reshape(tf.fused.matMul({ a: rows, b: w, bias: b }), [batch, time, w.shape[1]]);
  let y = matMul(rows, w);
  if (b !== undefined) y = tf.add(y, b);
  return tf.reshape(y, [batch, time, w.shape[1]]);
}

/**
 * `residual + x @ w (+ b)`: a projection back into the residual stream. On WebGPU the residual is
 * added in the product's kernel (tfjs's fused product takes it as a full-shape bias).
 */
export function residualLinear(residual: tf.Tensor3D, x: tf.Tensor3D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor3D {
  if (b !== undefined || !fusedKernelsActive()) return tf.add(residual, linear(x, w, b)) as tf.Tensor3D;
  const [batch, time, inputs] = x.shape;
  const out = w.shape[1];
  return tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [batch * time, inputs]), b: w, bias: tf.reshape(residual, [batch * time, out]) }), [batch, time, out]);
}

/** Logits against an embedding-shaped matrix [vocab, hidden] (tied heads, GPT-2's head). */
export function linearTransposed(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  const [batch, time, inputs] = x.shape;
  const y = matMul(tf.reshape(x, [batch * time, inputs]), w, false, true);
  return tf.reshape(y, [batch, time, w.shape[0]]);
}

/** RMSNorm as Llama computes it: x / sqrt(mean(x²) + eps) · w. */
export function rmsNorm(x: tf.Tensor3D, w: tf.Tensor1D, eps: number): tf.Tensor3D {
  if (fusedKernelsActive()) return fusedRmsNorm(x, w, eps);
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), w);
}

/** LayerNorm (GPT-2): (x − mean) / sqrt(var + eps) · w + b. */
export function layerNorm(x: tf.Tensor3D, w: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor3D {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), w), b);
}

/** GPT-2's `gelu_new`: the tanh approximation of GELU. */
export function geluNew(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** SiLU (x · sigmoid(x)). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** Llama's gated MLP activation, silu(gate) ⊙ up. */
export function swiglu(gate: tf.Tensor3D, up: tf.Tensor3D): tf.Tensor3D {
  return fusedKernelsActive() ? fusedSwiglu(gate, up) : tf.mul(silu(gate), up);
}

/**
 * Rows of `table` [vocab, hidden] for `ids` [B, T]. The gradient to the table is a sum of dy's rows
 * by id: on the CPU summed on the host; on WebGPU, given the same ids as host arrays (`idRows`),
 * a segment sum over positions grouped by id there (fused/embedding-gradient.ts), else
 * oneHot(ids)ᵀ · dy, a matrix product (tfjs's own `UnsortedSegmentSum` has no WASM kernel).
 */
export function embed(table: tf.Tensor2D, ids: tf.Tensor2D, idRows?: readonly (readonly number[])[]): tf.Tensor3D {
  const [vocab, hidden] = table.shape;
  if (idRows !== undefined && fusedKernelsActive()) return embedGroupedGradient(table, ids, idRows);
  // `ids` is an input and saved, not captured: the forward pass's tidy scopes dispose what the
  // backward pass would otherwise find gone.
  const lookup = tf.customGrad(((t: tf.Tensor, indices: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    save([indices]);
    return {
      value: tf.gather(t, indices),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const kept = saved[0] as tf.Tensor;
        if (tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu') return [scatterAddRows(vocab, kept, dy), tf.zerosLike(kept)];
        const oneHot = tf.cast(tf.oneHot(tf.reshape(kept, [-1]), vocab), 'float32');
        return [matMul(oneHot, tf.reshape(dy, [-1, hidden]), true, false), tf.zerosLike(kept)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return lookup(table, ids) as tf.Tensor3D;
}

/**
 * `embed` whose gradient is the segment sum over positions grouped by id. The grouping is made from
 * the host's ids when the backward pass asks for it: a forward pass without a gradient (scoring,
 * the reference policy) sorts and uploads nothing.
 */
function embedGroupedGradient(table: tf.Tensor2D, ids: tf.Tensor2D, idRows: readonly (readonly number[])[]): tf.Tensor3D {
  const [vocab, hidden] = table.shape;
  const lookup = tf.customGrad(((t: tf.Tensor, indices: tf.Tensor) => ({
    value: tf.gather(t, indices),
    gradFunc: (dy: tf.Tensor) => {
      const grouped = positionsById(idRows.flat(), vocab);
      const sums = tf.tidy(() => segmentSumRows(tf.reshape(dy, [-1, hidden]), tf.tensor1d(grouped.order, 'int32'), tf.tensor1d(grouped.offsets, 'int32')));
      // The ids carry no gradient: a placeholder, never read (see fused/rope.ts).
      return [sums, dy];
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return lookup(table, ids) as tf.Tensor3D;
}

/**
 * Σ of dy's rows into the table rows their ids name, read and summed on the CPU side: as a product
 * with a one-hot matrix it built and transposed a [tokens, vocab] matrix and multiplied through it
 * (7% of a searcher update on WASM); the sum touches each row of dy once. Backends with synchronous
 * reads only (WebGPU keeps the product).
 */
function scatterAddRows(vocab: number, ids: tf.Tensor, dy: tf.Tensor): tf.Tensor2D {
  const hidden = dy.shape[dy.rank - 1] as number;
  const rows = ids.dataSync();
  const values = dy.dataSync();
  const table = new Float32Array(vocab * hidden);
  for (let r = 0; r < rows.length; r++) {
    const target = (rows[r] as number) * hidden;
    const source = r * hidden;
    for (let j = 0; j < hidden; j++) table[target + j] = (table[target + j] as number) + (values[source + j] as number);
  }
  return tf.tensor2d(table, [vocab, hidden]);
}

/** [B, T, heads·dim] → [B, heads, T, dim]. */
export function splitHeads(x: tf.Tensor3D, heads: number, dim: number): tf.Tensor4D {
  const [batch, time] = x.shape;
  return tf.transpose(tf.reshape(x, [batch, time, heads, dim]), [0, 2, 1, 3]);
}

/** [B, heads, T, dim] → [B, T, heads·dim]. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [batch, heads, time, dim] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, time, heads * dim]);
}

/**
 * The projection x·w (+ b) split into heads [B, heads, T, dim] and rotated by the tables (see
 * {@link applyRope}): queries and keys. Fused, the bias and the split ride in the rotation's kernel.
 */
export function rotatedHeads(x: tf.Tensor3D, w: tf.Tensor2D, b: tf.Tensor1D | undefined, heads: number, dim: number, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  return fusedKernelsActive() ? fusedRope(linear(x, w), heads, cos, sin, b) : applyRope(splitHeads(linear(x, w, b), heads, dim), cos, sin);
}

/** Rotary embedding as Llama applies it: x·cos + rotate_half(x)·sin, rotate_half = [−x₂, x₁]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(x2 as tf.Tensor), x1 as tf.Tensor], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** cos and sin tables [B, 1, T, dim] for the given positions [B][T] (see {@link ropeTableValues}). */
export function ropeTables(positions: readonly (readonly number[])[], dim: number, theta: number): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const { cos, sin } = ropeTableValues(positions, dim, theta);
  const shape: [number, number, number, number] = [positions.length, 1, positions[0]?.length ?? 0, dim];
  return { cos: tf.tensor4d(cos, shape), sin: tf.tensor4d(sin, shape) };
}

/**
 * Scaled dot-product attention. q [B, H, T, D]; k, v [B, KVH, S, D] (grouped-query: each key/value
 * head serves H/KVH consecutive query heads, as transformers' `repeat_kv`); `mask` [B, 1, T, S]
 * (or [B, 1, G·T, S], see {@link groupMask}) is added to the scores (0 where allowed, a large
 * negative number where not).
 *
 * Grouped queries are folded into the rows of their key/value head ([B, KVH, G·T, D]) instead of
 * copying keys and values G times: the copy (a `Tile` over the whole cache) took most of a
 * decoding step on WASM.
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  const [batch, heads, time, dim] = q.shape;
  const kvHeads = k.shape[1];
  const groups = heads / kvHeads;
  const folded: tf.Tensor4D = groups === 1 ? q : tf.reshape(q, [batch, kvHeads, groups * time, dim]);
  // Callers with many layers pass the mask already grouped ([B, 1, G·T, S]) to tile it once.
  const groupedMask = mask.shape[2] === groups * time ? mask : groupMask(mask, groups);
  const wasm = tf.getBackend() === 'wasm';
  const out = wasm && groups * time <= FEW_QUERY_ROWS ? fewQueryAttention(folded, k, v, groupedMask, dim)
    : wasm ? pairwiseAttention(folded, k, v, groupedMask, dim)
    : fusedKernelsActive() ? matMul(fusedMaskedSoftmax(matMul(folded, k, false, true), groupedMask, 1 / Math.sqrt(dim)), v)
    : matMul(tf.softmax(tf.add(tf.mul(matMul(folded, k, false, true), 1 / Math.sqrt(dim)), groupedMask)), v) as tf.Tensor4D;
  return groups === 1 ? out : tf.reshape(out, [batch, heads, time, dim]);
}

/**
 * Attention on WASM as one softmax(q·kᵀ + mask)·v per batch row and key/value head, on 2-D
 * products (WASM's batched product is ~10x slower than its 2-D one). Splitting the small q, k and
 * v instead of the scores means no [rows, keys] matrix is ever split or joined, and a training step
 * keeps one of them per head for the backward pass (the softmax), not three: a 2,400-token row
 * trained in 2.7 GB of the 4 GB WASM heap before, in less than half that after.
 */
function pairwiseAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D, dim: number): tf.Tensor4D {
  const [batch, kvHeads, rows] = q.shape;
  const keys = k.shape[2];
  const count = batch * kvHeads;
  // tfjs's gradient of a one-way split fails (it concatenates a lone tensor), so one piece is a reshape.
  const pieces = <T extends tf.Tensor>(x: T, n: number, shape: [number, number]): tf.Tensor2D[] => (n === 1 ? [tf.reshape(x, shape)] : tf.split(tf.reshape(x, [n * shape[0], shape[1]]), n, 0));
  const qs = pieces(tf.mul(q, 1 / Math.sqrt(dim)), count, [rows, dim]);
  const ks = pieces(k, count, [keys, dim]);
  const vs = pieces(v, count, [keys, dim]);
  // A mask of one row per batch entry ([B, 1, 1, S], an encoder's padding mask) broadcasts over the query rows.
  const masks = pieces(mask, batch, [mask.shape[2], keys]);
  const outs = qs.map((qi, i) => tf.matMul(tf.softmax(tf.add(queryKeyScores(qi, ks[i] as tf.Tensor2D), masks[Math.floor(i / kvHeads)] as tf.Tensor2D)), vs[i] as tf.Tensor2D));
  return tf.reshape(count === 1 ? (outs[0] as tf.Tensor2D) : tf.concat(outs, 0), [batch, kvHeads, rows, dim]);
}

/**
 * q · kᵀ ([R, D] · [T, D]ᵀ → [R, T]) with a gradient whose products keep a narrow right operand:
 * WASM's product repacks its right operand on every call, and tfjs's gradient for k, qᵀ · dS, has
 * the whole [R, T] score gradient there (the slowest product of a training step, ~4x its FLOPs).
 * Here dk = dSᵀ · q: one transpose of dS, then a product with the narrow q.
 */
const queryKeyScores = tf.customGrad(((q: tf.Tensor2D, k: tf.Tensor2D, save: (tensors: tf.Tensor[]) => void) => {
  save([q, k]);
  return {
    value: tf.matMul(q, tf.transpose(k)),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [qs, ks] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, ks), tf.matMul(tf.transpose(dy), qs)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (q: tf.Tensor2D, k: tf.Tensor2D) => tf.Tensor2D;

/** Query rows per key/value head up to which WASM attends by broadcasting (decoding: one token, G rows). */
const FEW_QUERY_ROWS = 8;

/**
 * Attention of a few query rows as broadcast products and sums: on WASM a product with the
 * cache goes through a transposed copy of it and one small product per batch row and head (see
 * matMul), which made a decoding step of a 0.9M-parameter searcher over a 32 × 550-token cache
 * take ~0.4 s; multiplying and summing over the cache in place reads it once.
 */
function fewQueryAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D, dim: number): tf.Tensor4D {
  // q [B, KVH, R, 1, D] · k [B, KVH, 1, S, D] summed over D → scores [B, KVH, R, S].
  const scores = tf.sum(tf.mul(tf.expandDims(q, 3), tf.expandDims(k, 2)), 4);
  const weights = tf.softmax(tf.add(tf.mul(scores, 1 / Math.sqrt(dim)), mask));
  // weights [B, KVH, R, S, 1] · v [B, KVH, 1, S, D] summed over S → [B, KVH, R, D].
  return tf.sum(tf.mul(tf.expandDims(weights, 4), tf.expandDims(v, 2)), 3) as tf.Tensor4D;
}

/** The mask [B, 1, T, S] repeated for the G query heads of a key/value head, as `attention` folds them. */
export function groupMask(mask: tf.Tensor4D, groups: number): tf.Tensor4D {
  // Concatenated, not tiled: WASM's Tile took 76 ms where Concat took 3 ms ([2, 1, 546, 546] twice).
  return groups === 1 ? mask : tf.concat(new Array<tf.Tensor4D>(groups).fill(mask), 2);
}
