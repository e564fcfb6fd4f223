/** Bounded-concurrency map: at most `limit` calls of `fn` in flight, results in input order. */

/**
 * Runs `fn` over `items` with at most `limit` calls pending at once. The first rejection
 * rejects the whole map (calls already started are left to finish; none new start).
 *
 * @example
 * ```ts
 * const lengths = await mapConcurrent(['a', 'bb'], 8, async (s) => s.length); // [1, 2]
 * ```
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
