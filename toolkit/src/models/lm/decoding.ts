/**
 * The one implementation of batched decoding, shared by every backend (tfjs `TransformerLM`, ONNX
 * Runtime `OnnxCausalLM`): option and prompt checks, left padding, prefill in groups of rows,
 * seeded sampling per sequence, stop tokens and `stopWhen`, and finished rows leaving the batch.
 * A backend supplies only a {@link DecodeStep}: one forward call over a KV cache it owns, and how
 * to join, narrow and free that cache.
 */
import { z } from 'zod';
import { Random } from '../../core/random.js';
import { positionsFromMask } from './positions.js';
import { sampleToken } from './sampling.js';
import type { GenerateOptions } from './types.js';

/** One backend's forward pass over a key/value cache of type `Cache`. */
export interface DecodeStep<Cache> {
  readonly vocabSize: number;
  /**
   * Most prompt tokens (rows × padded width) in one prefill call: longer batches are prefilled
   * in groups of rows whose caches are joined after.
   */
  readonly prefillTokens: number;
  /**
   * Runs ids [B, T] at `positions` [B, T]; `keyMask` [B, S] marks which of the S = cached + T
   * keys are real (1) or left padding (0). Returns the last position's logits per row [B·V] and
   * the cache grown by these T positions: a new cache (the given one stays the caller's, to free)
   * or the given one extended in place.
   */
  forward(ids: number[][], keyMask: number[][], positions: number[][], cache: Cache | undefined): Promise<{ logits: Float32Array; cache: Cache }>;
  /**
   * The caches of consecutive row groups as one, rows in order, each part left-padded to `width`
   * positions (a narrower part's keys move right; its padding is masked); the parts stay the caller's.
   */
  concatRows(parts: readonly Cache[], width: number): Cache;
  /** The cache of `rows` only, in that order; the given cache stays the caller's. */
  keepRows(cache: Cache, rows: readonly number[]): Cache;
  /** Frees a cache (a no-op where the garbage collector does it). */
  release(cache: Cache): void;
}

/** What the loop needs to know of the model. */
export interface DecodedModel {
  vocabSize: number;
  maxPositions: number;
  /** The stop tokens when the options name none (`eos_token_id`). */
  eosTokenIds: readonly number[];
}

const generateOptionsSchema = z.object({
  maxNewTokens: z.number().int().min(0),
  temperature: z.number().min(0).default(0),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().min(0).default(0),
  stop: z.array(z.number().int()).optional(),
  seed: z.number().int().default(0),
  seeds: z.array(z.number().int()).optional(),
  stopWhen: z.custom<GenerateOptions['stopWhen']>((v) => v === undefined || typeof v === 'function').optional(),
});

const idsSchema = z.array(z.number().int().min(0));

/**
 * Token ids checked against the model: integers, inside the vocabulary, no longer than its
 * positions. The error names the argument (`ids`, `prompts[2]`).
 *
 * @example
 * ```ts
 * checkTokenIds([1, 2, 3], 'ids', { vocabSize: 512, maxPositions: 128 }); // [1, 2, 3]
 * ```
 */
export function checkTokenIds(ids: readonly number[], name: string, model: Pick<DecodedModel, 'vocabSize' | 'maxPositions'>): number[] {
  const parsed = idsSchema.safeParse(ids);
  if (!parsed.success) throw new Error(`${name} must be a list of non-negative integer token ids`);
  const bad = parsed.data.find((id) => id >= model.vocabSize);
  if (bad !== undefined) throw new Error(`${name} holds token id ${bad}, outside the model's vocabulary of ${model.vocabSize}`);
  if (parsed.data.length > model.maxPositions) throw new Error(`${name} has ${parsed.data.length} tokens; the model takes at most ${model.maxPositions}`);
  return parsed.data;
}

/**
 * New tokens per prompt (prompt excluded), as `CausalLM.generateBatch` promises: prompts
 * left-padded together, a KV cache, one seeded sampler per sequence (a request draws the same
 * tokens whichever batch it shares), and sequences that end leave the batch (a quarter at a time).
 *
 * @example
 * ```ts
 * const tokens = await decodeBatch(step, [[1, 2, 3], [4, 5]], { maxNewTokens: 8 }, { vocabSize: 512, maxPositions: 128, eosTokenIds: [] });
 * ```
 */
export async function decodeBatch<Cache>(step: DecodeStep<Cache>, prompts: readonly (readonly number[])[], options: GenerateOptions, model: DecodedModel): Promise<number[][]> {
  const settings = generateOptionsSchema.parse(options);
  const rows = prompts.map((p, i) => checkTokenIds(p, `prompts[${i}]`, model));
  rows.forEach((row, i) => {
    if (row.length === 0) throw new Error(`prompts[${i}] is empty: generation needs at least one prompt token`);
    if (row.length + settings.maxNewTokens > model.maxPositions) {
      throw new Error(`prompts[${i}] has ${row.length} tokens; with maxNewTokens ${settings.maxNewTokens} it exceeds the model's ${model.maxPositions} positions`);
    }
  });
  const outputs: number[][] = rows.map(() => []);
  if (rows.length === 0 || settings.maxNewTokens === 0) return outputs;
  const stop = new Set(settings.stop ?? model.eosTokenIds);
  // One generator per sequence, seeded by the seed alone (or the sequence's own seed): a request
  // draws the same tokens whichever batch it shares.
  if (settings.seeds !== undefined && settings.seeds.length !== rows.length) throw new Error(`generateBatch: ${settings.seeds.length} seeds for ${rows.length} prompts`);
  const randoms = rows.map((_, i) => new Random(settings.seeds?.[i] ?? settings.seed, 'sample'));
  const vocab = model.vocabSize;

  // Decoding: every prompt left-padded to the longest (the prefill pads less, see `prefill`).
  const longest = Math.max(...rows.map((r) => r.length));
  let keyMask = rows.map((r) => [...new Array<number>(longest - r.length).fill(0), ...r.map(() => 1)]);
  // The sequence of each cache row; finished sequences stay in the cache (their tokens ignored)
  // until a quarter of the rows have finished, then the cache is compacted: dropping rows one
  // sequence at a time copied the whole cache per finished sequence (quadratic in the batch).
  let inCache = rows.map((_, i) => i);
  const finished = new Set<number>();
  let { logits, cache } = await prefill(step, rows, longest);
  try {
    for (;;) {
      const next: number[] = [];
      for (const [row, sequence] of inCache.entries()) {
        if (finished.has(sequence)) {
          next.push(0);
          continue;
        }
        const token = sampleToken(logits.subarray(row * vocab, (row + 1) * vocab), settings, randoms[sequence] as Random);
        const out = outputs[sequence] as number[];
        out.push(token);
        const ended = stop.has(token) || out.length >= settings.maxNewTokens || ((await settings.stopWhen?.(out, sequence)) ?? false);
        if (ended) finished.add(sequence);
        next.push(token);
      }
      const live = [...inCache.keys()].filter((row) => !finished.has(inCache[row] as number));
      if (live.length === 0) break;
      if (inCache.length - live.length >= Math.max(1, inCache.length / 4)) {
        const kept = step.keepRows(cache, live);
        step.release(cache);
        cache = kept;
        keyMask = live.map((row) => keyMask[row] as number[]);
        const tokens = live.map((row) => next[row] as number);
        inCache = live.map((row) => inCache[row] as number);
        next.splice(0, next.length, ...tokens);
      }
      keyMask = keyMask.map((row) => [...row, 1]);
      const positions = keyMask.map((row) => [row.reduce((a, b) => a + b, 0) - 1]);
      const result = await step.forward(next.map((t) => [t]), keyMask, positions, cache);
      if (result.cache !== cache) step.release(cache);
      ({ logits, cache } = result);
    }
  } finally {
    step.release(cache);
  }
  return outputs;
}

/**
 * The prompts' forward pass in groups of at most `step.prefillTokens` tokens, longest prompts
 * first and each group padded to its own longest prompt only; the groups' caches are joined (each
 * left-padded to `width`, the longest prompt) and put back in the prompts' order. Padding every
 * prompt to the batch's longest spent much of a prefill's attention on padding (a generator batch
 * of 500–1,400-token contexts).
 */
async function prefill<Cache>(step: DecodeStep<Cache>, rows: readonly number[][], width: number): Promise<{ logits: Float32Array; cache: Cache }> {
  const order = rows.map((_, i) => i).sort((a, b) => (rows[b] as number[]).length - (rows[a] as number[]).length || a - b);
  const groups: number[][] = [];
  for (const i of order) {
    const group = groups.at(-1);
    const groupWidth = group === undefined ? 0 : (rows[group[0] as number] as number[]).length;
    if (group !== undefined && (group.length + 1) * groupWidth <= step.prefillTokens) group.push(i);
    else groups.push([i]);
  }
  const parts: { logits: Float32Array; cache: Cache }[] = [];
  try {
    for (const group of groups) {
      const groupWidth = (rows[group[0] as number] as number[]).length;
      const mask = group.map((i) => [...new Array<number>(groupWidth - (rows[i] as number[]).length).fill(0), ...(rows[i] as number[]).map(() => 1)]);
      const ids = group.map((i) => [...new Array<number>(groupWidth - (rows[i] as number[]).length).fill(0), ...(rows[i] as number[])]);
      parts.push(await step.forward(ids, mask, positionsFromMask(mask), undefined));
    }
    const inOrder = order.every((i, j) => i === j);
    if (parts.length === 1 && inOrder) return parts.pop() as { logits: Float32Array; cache: Cache };
    const sortedLogits = new Float32Array(rows.length * step.vocabSize);
    let at = 0;
    for (const part of parts) {
      sortedLogits.set(part.logits, at);
      at += part.logits.length;
    }
    const joined = step.concatRows(parts.map((part) => part.cache), width);
    if (inOrder) return { logits: sortedLogits, cache: joined };
    // Back to the prompts' order: row j of the joined cache is prompt order[j].
    const placeOf = new Array<number>(rows.length);
    order.forEach((i, j) => { placeOf[i] = j; });
    const logits = new Float32Array(rows.length * step.vocabSize);
    placeOf.forEach((j, i) => logits.set(sortedLogits.subarray(j * step.vocabSize, (j + 1) * step.vocabSize), i * step.vocabSize));
    const cache = step.keepRows(joined, placeOf);
    step.release(joined);
    return { logits, cache };
  } finally {
    for (const part of parts) step.release(part.cache);
  }
}
