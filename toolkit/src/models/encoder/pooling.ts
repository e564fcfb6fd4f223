/**
 * Sentence embeddings from token states, as the s3 retriever makes them for e5: the mean of
 * the last hidden states over the attention mask, then L2 normalisation (so inner product is
 * cosine similarity, which FAISS IndexFlatIP searches).
 */

/**
 * Mean-pools and normalises each row of a `[batch, sequence, hidden]` tensor (row-major, as
 * ONNX returns it). `mask[b * sequence + t]` is 1 for real tokens and 0 for padding. Sums run
 * in float64, so the result is at least as exact as PyTorch's float32 reference.
 *
 * @example
 * ```ts
 * // one text, two tokens of which the second is padding, hidden size 2
 * meanPoolNormalize(new Float32Array([3, 4, 9, 9]), [1, 0], 1, 2, 2); // [Float32Array [0.6, 0.8]]
 * ```
 */
export function meanPoolNormalize(hidden: Float32Array, mask: ArrayLike<number | bigint>, batch: number, sequence: number, width: number): Float32Array[] {
  if (hidden.length !== batch * sequence * width) throw new RangeError(`hidden states hold ${hidden.length} values, not ${batch}×${sequence}×${width}`);
  const sums = new Float64Array(width);
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    sums.fill(0);
    let count = 0;
    for (let t = 0; t < sequence; t++) {
      if (Number(mask[b * sequence + t]) === 0) continue;
      count++;
      const offset = (b * sequence + t) * width;
      for (let h = 0; h < width; h++) sums[h]! += hidden[offset + h]!;
    }
    // Like the original (a division by the mask's sum), a text with no tokens would give NaN;
    // tokenizers always add special tokens, so count is at least 1 for the models s3lab loads.
    let norm = 0;
    for (let h = 0; h < width; h++) {
      sums[h] = sums[h]! / count;
      norm += sums[h]! * sums[h]!;
    }
    // F.normalize's eps: a zero vector stays zero rather than becoming NaN.
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    const row = new Float32Array(width);
    for (let h = 0; h < width; h++) row[h] = sums[h]! * scale;
    out.push(row);
  }
  return out;
}
