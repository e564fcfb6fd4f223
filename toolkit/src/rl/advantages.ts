/**
 * Advantage estimators for the searcher's RL stage, as verl computes them (core_algos.py), so a
 * run here and a verl run of the s3 recipe mean the same thing by "advantage": GAE with a critic
 * (the paper's PPO), group-relative outcome advantages (GRPO), and the batch whitening that verl
 * applies to GAE advantages. Plain numbers, no tensors: advantages are computed once per batch,
 * outside any gradient tape, and a few thousand tokens cost nothing in JavaScript.
 *
 * Every per-token array holds one sequence's *action* tokens only (what the searcher wrote); the
 * caller has already dropped prompt and retrieved-passage tokens.
 */
import { z } from 'zod';

const gaeOptionsSchema = z.object({
  gamma: z.number().min(0).max(1),
  lambda: z.number().min(0).max(1),
});

export interface GaeOptions {
  /** Discount per token (verl `algorithm.gamma`; the s3 run uses 1). */
  gamma: number;
  /** GAE λ (verl `algorithm.lam`; the s3 run uses 1). */
  lambda: number;
}

export interface GaeResult {
  /** A_t per sequence, raw (not whitened: verl whitens afterwards, see {@link whiten}). */
  advantages: number[][];
  /** A_t + V_t per sequence: the critic's regression targets. */
  returns: number[][];
}

/**
 * Generalised advantage estimation per sequence (verl `compute_gae_advantage_return`):
 * δ_t = r_t + γ·V_{t+1} − V_t with V_T = 0 after the last token, A_t = δ_t + γλ·A_{t+1},
 * returns = A + V. The outcome reward sits on a sequence's last token; per-token KL penalties,
 * if any, sit on the others. Sequences may have different lengths.
 *
 * @example
 * ```ts
 * gaeAdvantages([[0, 0, 1]], [[0.5, 0.5, 0.5]], { gamma: 1, lambda: 1 });
 * // { advantages: [[0.5, 0.5, 0.5]], returns: [[1, 1, 1]] }
 * ```
 */
export function gaeAdvantages(rewards: readonly (readonly number[])[], values: readonly (readonly number[])[], options: GaeOptions): GaeResult {
  const { gamma, lambda } = gaeOptionsSchema.parse(options);
  if (rewards.length !== values.length) {
    throw new Error(`gaeAdvantages: ${rewards.length} reward sequences but ${values.length} value sequences`);
  }
  const advantages: number[][] = [];
  const returns: number[][] = [];
  rewards.forEach((r, i) => {
    const v = values[i]!;
    if (r.length !== v.length) {
      throw new Error(`gaeAdvantages: sequence ${i} has ${r.length} rewards but ${v.length} values (one of each per action token)`);
    }
    checkFinite(r, `reward of sequence ${i}`);
    checkFinite(v, `value of sequence ${i}`);
    const a = new Array<number>(r.length);
    let next = 0;
    let lastGae = 0;
    for (let t = r.length - 1; t >= 0; t--) {
      const delta = r[t]! + gamma * next - v[t]!;
      lastGae = delta + gamma * lambda * lastGae;
      a[t] = lastGae;
      next = v[t]!;
    }
    advantages.push(a);
    returns.push(a.map((x, t) => x + v[t]!));
  });
  return { advantages, returns };
}

export interface WhitenOptions {
  /** Subtract the mean (default true); false rescales but keeps the mean, like verl's `shift_mean=False`. */
  shiftMean?: boolean;
}

/**
 * Normalises all tokens of a batch together to mean 0 and standard deviation 1 (verl
 * `masked_whiten`): (x − mean) / sqrt(var + 1e-8), var with Bessel's correction n/(n − 1).
 * verl refuses a single token (n − 1 = 0); here one token whitens to 0 (its own mean), and an
 * empty batch gives empty arrays.
 *
 * @example
 * ```ts
 * whiten([[1, 2], [3]]); // [[-1, 0], [1]]
 * ```
 */
export function whiten(values: readonly (readonly number[])[], options: WhitenOptions = {}): number[][] {
  const shiftMean = options.shiftMean ?? true;
  let n = 0;
  let sum = 0;
  values.forEach((row, i) => {
    checkFinite(row, `value of sequence ${i}`);
    for (const x of row) sum += x;
    n += row.length;
  });
  if (n === 0) return values.map(() => []);
  const mean = sum / n;
  let squares = 0;
  for (const row of values) for (const x of row) squares += (x - mean) ** 2;
  const variance = n > 1 ? (squares / n) * (n / (n - 1)) : 0;
  const scale = 1 / Math.sqrt(variance + 1e-8);
  return values.map((row) => row.map((x) => (x - mean) * scale + (shiftMean ? 0 : mean)));
}

const groupOptionsSchema = z.object({
  normalizeByStd: z.boolean().default(true),
  epsilon: z.number().min(0).default(1e-6),
});

export interface GroupAdvantageOptions {
  /** Divide by the group's standard deviation (default true; verl `norm_adv_by_std_in_grpo`). */
  normalizeByStd?: boolean;
  /** Added to the standard deviation (default 1e-6, as verl). */
  epsilon?: number;
}

/**
 * GRPO outcome advantages (verl `compute_grpo_outcome_advantage`): each sequence's reward minus
 * its group's mean, divided by the group's standard deviation (unbiased, as `torch.std`) + ε.
 * `groups[i]` names the prompt sequence i answered. As in verl, a group of one has mean 0 and
 * standard deviation 1, so its advantage is its reward (÷ (1 + ε)). Broadcast the result over a
 * sequence's action tokens.
 *
 * @example
 * ```ts
 * groupRelativeAdvantages([1, 0, 0, 1], ['q', 'q', 'q', 'q']); // ≈ [0.866, -0.866, -0.866, 0.866]
 * ```
 */
export function groupRelativeAdvantages(rewards: readonly number[], groups: readonly (string | number)[], options: GroupAdvantageOptions = {}): number[] {
  const { normalizeByStd, epsilon } = groupOptionsSchema.parse(options);
  if (rewards.length !== groups.length) {
    throw new Error(`groupRelativeAdvantages: ${rewards.length} rewards but ${groups.length} group ids`);
  }
  checkFinite(rewards, 'reward');
  const members = new Map<string | number, number[]>();
  rewards.forEach((r, i) => {
    const list = members.get(groups[i]!);
    if (list === undefined) members.set(groups[i]!, [r]);
    else list.push(r);
  });
  const stats = new Map<string | number, { mean: number; std: number }>();
  for (const [group, list] of members) {
    if (list.length === 1) {
      stats.set(group, { mean: 0, std: 1 });
      continue;
    }
    const mean = list.reduce((a, b) => a + b, 0) / list.length;
    const variance = list.reduce((a, b) => a + (b - mean) ** 2, 0) / (list.length - 1);
    stats.set(group, { mean, std: Math.sqrt(variance) });
  }
  return rewards.map((r, i) => {
    const { mean, std } = stats.get(groups[i]!)!;
    return normalizeByStd ? (r - mean) / (std + epsilon) : r - mean;
  });
}

function checkFinite(xs: readonly number[], what: string): void {
  xs.forEach((x, t) => {
    if (!Number.isFinite(x)) throw new Error(`${what} at position ${t} is ${x}, not a finite number`);
  });
}
