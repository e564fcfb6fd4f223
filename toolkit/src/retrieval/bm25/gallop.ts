/**
 * The first index at or after `from` whose doc is ≥ `target`, in an ascending doc list: an
 * exponential search from `from`, then a binary search. Cheap both when the target is near
 * (a merge of two dense lists) and when it is far (a short list skipping through a long one).
 *
 * @example
 * ```ts
 * gallop(Uint32Array.of(2, 5, 9, 14), 9, 0); // 2
 * gallop(Uint32Array.of(2, 5, 9, 14), 15, 1); // 4 (past the end)
 * ```
 */
export function gallop(docs: Uint32Array, target: number, from: number): number {
  let step = 1;
  let hi = from;
  while (hi < docs.length && (docs[hi] as number) < target) {
    from = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = Math.min(hi, docs.length);
  let lo = from;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((docs[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
