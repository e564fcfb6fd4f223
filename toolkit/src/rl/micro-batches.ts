/**
 * How rollouts are grouped for forward and backward passes: every update pass, and the no-grad
 * scoring of a batch where tfjs scores it (PPO's critic, a GPU), so a rollout meets the same padding
 * (and the same floating-point sums) in both.
 */

/**
 * Items grouped for forward passes: at most `maxCount` per group and, where it can be kept, at most
 * `maxTokens` padded tokens (count × longest); an item longer than `maxTokens` goes alone. Longest
 * first, so each group's padding is small.
 *
 * @example
 * ```ts
 * microBatches([5, 100, 7, 90], 2, 200, (n) => n); // [[100, 90], [7, 5]]
 * ```
 */
export function microBatches<T>(items: readonly T[], maxCount: number, maxTokens: number, length: (item: T) => number): T[][] {
  const sorted = [...items].sort((a, b) => length(b) - length(a));
  const groups: T[][] = [];
  for (const item of sorted) {
    const group = groups.at(-1);
    // Sorted longest first, so the group's first item sets its width.
    if (group && group.length < maxCount && (group.length + 1) * length(group[0] as T) <= maxTokens) group.push(item);
    else groups.push([item]);
  }
  return groups;
}
