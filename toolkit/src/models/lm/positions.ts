/**
 * What a forward pass derives from the key mask, as plain arrays: position ids, the additive
 * attention mask and the rotary tables. The tfjs forward pass wraps them in tensors and the ONNX
 * Runtime one feeds them as inputs, so both backends see the very same numbers.
 */

/** A value the mask adds to forbidden scores: large enough that softmax gives exactly 0. */
export const MASKED = -1e9;

/** Position ids as transformers derives them from a mask: the count of real tokens before each one. */
export function positionsFromMask(keyMask: readonly (readonly number[])[]): number[][] {
  return keyMask.map((row) => {
    let seen = 0;
    return row.map((m) => (m === 1 ? seen++ : 0));
  });
}

/**
 * The additive mask [B, 1, T, S] (row-major) for T new query positions at the end of S key
 * positions: a query sees the keys at or before it whose `keyMask` is 1 (0 marks left padding).
 */
export function attentionMaskValues(keyMask: readonly (readonly number[])[], queries: number): Float32Array {
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
  return values;
}

/**
 * cos and sin tables [B, 1, T, dim] (row-major) for the given positions [B][T], computed as
 * transformers does (inv_freq = θ^(−2i/d), emb = [freqs, freqs]) in fp32 arithmetic.
 */
export function ropeTableValues(positions: readonly (readonly number[])[], dim: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = dim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / theta ** ((2 * i) / dim);
  const batch = positions.length;
  const time = positions[0]?.length ?? 0;
  const cos = new Float32Array(batch * time * dim);
  const sin = new Float32Array(batch * time * dim);
  for (let b = 0; b < batch; b++) {
    const row = positions[b] as readonly number[];
    for (let t = 0; t < time; t++) {
      const base = (b * time + t) * dim;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround((row[t] as number) * (invFreq[i] as number));
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        cos[base + i] = c;
        cos[base + i + half] = c;
        sin[base + i] = s;
        sin[base + i + half] = s;
      }
    }
  }
  return { cos, sin };
}
