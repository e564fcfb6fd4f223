/**
 * `TransformerLM`: a decoder-only transformer held as tfjs variables under their Hugging Face
 * names. Inference (`logits`, `generate`, `generateBatch` with a KV cache) and training
 * (`forwardLogits` inside a gradient tape, `variables`) share one forward pass.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Random } from '../../core/random.js';
import { tf } from '../tfjs/index.js';
import type { LmConfig } from './config.js';
import { parameterSpecs } from './parameters.js';
import { writeSafetensors, type StoredTensor } from './safetensors.js';
import { sampleToken } from './sampling.js';
import { attentionMask, embeddingShapedHead, forwardHidden, positionsFromMask, vocabularyHead, type LayerCache } from './transformer.js';
import type { CausalLM, GenerateOptions } from './types.js';

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
/** Most prompt tokens (rows × padded width) in one prefill forward call; see `prefill`. */
const PREFILL_TOKENS = 1536;

export class TransformerLM implements CausalLM {
  readonly family: LmConfig['family'];
  readonly vocabSize: number;
  readonly maxPositions: number;

  constructor(
    /** The normalised architecture. */
    readonly architecture: LmConfig,
    /** `config.json` as read (written back by `save`). */
    readonly config: Readonly<Record<string, unknown>>,
    /** Weights by checkpoint name; Linear weights transposed to [in, out] (see parameters.ts). */
    readonly weights: ReadonlyMap<string, tf.Variable>,
  ) {
    this.family = architecture.family;
    this.vocabSize = architecture.vocabSize;
    this.maxPositions = architecture.maxPositions;
  }

  /** The trainable variables, in checkpoint order. */
  get variables(): tf.Variable[] {
    return [...this.weights.values()];
  }

  /** Number of parameters. */
  get parameterCount(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /**
   * Logits [B, T, V] of a padded batch, differentiable: use inside `tf.variableGrads` or an
   * optimizer's `minimize`. `keyMask` rows mark real tokens (1) and left padding (0).
   */
  forwardLogits(ids: readonly (readonly number[])[], keyMask?: readonly (readonly number[])[]): tf.Tensor3D {
    const mask = keyMask ?? ids.map((row) => row.map(() => 1));
    return tf.tidy(() => {
      const input = { ids: this.idsTensor(ids), positions: positionsFromMask(mask), mask: attentionMask(mask, ids[0]?.length ?? 0) };
      return vocabularyHead(this.architecture, this.weights, forwardHidden(this.architecture, this.weights, input).hidden);
    });
  }

  /**
   * Final hidden states [B, T, H] of a padded batch, differentiable. With {@link headLogits}, a
   * trainer computes logits at the few positions it scores instead of all of them (RL scores the
   * searcher's own tokens only), and a value head reads the same states.
   */
  forwardHiddenStates(ids: readonly (readonly number[])[], keyMask?: readonly (readonly number[])[]): tf.Tensor3D {
    const mask = keyMask ?? ids.map((row) => row.map(() => 1));
    return tf.tidy(() => {
      const input = { ids: this.idsTensor(ids), positions: positionsFromMask(mask), mask: attentionMask(mask, ids[0]?.length ?? 0) };
      return forwardHidden(this.architecture, this.weights, input).hidden;
    });
  }

  /** Vocabulary logits of final hidden states: [N, H] → [N, V] (differentiable). */
  headLogits(hidden: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, h] = hidden.shape;
      return vocabularyHead(this.architecture, this.weights, hidden.reshape([1, n, h])).reshape([n, this.vocabSize]);
    });
  }

  async logits(ids: readonly number[]): Promise<Float32Array[]> {
    const tokens = this.checkIds(ids, 'ids');
    if (tokens.length === 0) return [];
    const logits = this.forwardLogits([tokens]);
    const flat = (await logits.data()) as Float32Array;
    logits.dispose();
    return tokens.map((_, t) => flat.slice(t * this.vocabSize, (t + 1) * this.vocabSize));
  }

  async generate(ids: readonly number[], options: GenerateOptions): Promise<number[]> {
    const [tokens] = await this.generateBatch([ids], options);
    return tokens as number[];
  }

  async generateBatch(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<number[][]> {
    const settings = generateOptionsSchema.parse(options);
    const rows = prompts.map((p, i) => this.checkIds(p, `prompts[${i}]`));
    rows.forEach((row, i) => {
      if (row.length === 0) throw new Error(`prompts[${i}] is empty: generation needs at least one prompt token`);
      if (row.length + settings.maxNewTokens > this.maxPositions) {
        throw new Error(`prompts[${i}] has ${row.length} tokens; with maxNewTokens ${settings.maxNewTokens} it exceeds the model's ${this.maxPositions} positions`);
      }
    });
    const outputs: number[][] = rows.map(() => []);
    if (rows.length === 0 || settings.maxNewTokens === 0) return outputs;
    const stop = new Set(settings.stop ?? this.architecture.eosTokenIds);
    // One generator per sequence, seeded by the seed alone (or the sequence's own seed): a request
    // draws the same tokens whichever batch it shares.
    if (settings.seeds !== undefined && settings.seeds.length !== rows.length) throw new Error(`generateBatch: ${settings.seeds.length} seeds for ${rows.length} prompts`);
    const randoms = rows.map((_, i) => new Random(settings.seeds?.[i] ?? settings.seed, 'sample'));

    // Prefill: every prompt, left-padded to the longest.
    const longest = Math.max(...rows.map((r) => r.length));
    let keyMask = rows.map((r) => [...new Array<number>(longest - r.length).fill(0), ...r.map(() => 1)]);
    const padded = rows.map((r) => [...new Array<number>(longest - r.length).fill(0), ...r]);
    let active = rows.map((_, i) => i);
    let { logits, cache } = await this.prefill(padded, keyMask);
    try {
      for (;;) {
        const next: number[] = [];
        const stillActive: number[] = [];
        for (const [row, sequence] of active.entries()) {
          const token = sampleToken(logits.subarray(row * this.vocabSize, (row + 1) * this.vocabSize), settings, randoms[sequence] as Random);
          const out = outputs[sequence] as number[];
          out.push(token);
          const finished = stop.has(token) || out.length >= settings.maxNewTokens || ((await settings.stopWhen?.(out, sequence)) ?? false);
          if (!finished) {
            stillActive.push(row);
            next.push(token);
          }
        }
        if (stillActive.length === 0) break;
        // Finished sequences leave the batch (their cache rows are dropped), so long tails cost less.
        if (stillActive.length < active.length) {
          cache = this.keepRows(cache, stillActive);
          keyMask = stillActive.map((row) => keyMask[row] as number[]);
          active = stillActive.map((row) => active[row] as number);
        }
        keyMask = keyMask.map((row) => [...row, 1]);
        const positions = keyMask.map((row) => [row.reduce((a, b) => a + b, 0) - 1]);
        const result = await this.step(next.map((t) => [t]), keyMask, positions, cache);
        disposeCache(cache);
        ({ logits, cache } = result);
      }
    } finally {
      disposeCache(cache);
    }
    return outputs;
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const tensors = new Map<string, StoredTensor>();
    for (const spec of parameterSpecs(this.architecture)) {
      const variable = this.weights.get(spec.name) as tf.Variable;
      const stored = spec.transposed ? tf.tidy(() => tf.transpose(variable)) : variable;
      tensors.set(spec.name, { shape: spec.shape, data: (await stored.data()) as Float32Array });
      if (stored !== variable) stored.dispose();
    }
    await writeSafetensors(join(dir, 'model.safetensors'), tensors);
    const config = { ...this.config, torch_dtype: 'float32' };
    await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    this.headCache?.tensor.dispose();
    this.headCache = undefined;
  }

  /**
   * The prompts' forward pass in groups of rows of at most PREFILL_TOKENS tokens, caches joined
   * after: on WASM a batch's attention scores outgrow the CPU caches, and one 16 × 550-token
   * prefill ran 2.5x slower per row than groups of two (measured on the lab generator).
   */
  private async prefill(padded: number[][], keyMask: number[][]): Promise<{ logits: Float32Array; cache: LayerCache[] }> {
    const width = padded[0]?.length ?? 1;
    const rowsPerGroup = Math.max(1, Math.floor(PREFILL_TOKENS / width));
    if (padded.length <= rowsPerGroup) return this.step(padded, keyMask, positionsFromMask(keyMask), undefined);
    const parts: { logits: Float32Array; cache: LayerCache[] }[] = [];
    try {
      for (let start = 0; start < padded.length; start += rowsPerGroup) {
        const mask = keyMask.slice(start, start + rowsPerGroup);
        parts.push(await this.step(padded.slice(start, start + rowsPerGroup), mask, positionsFromMask(mask), undefined));
      }
      const logits = new Float32Array(padded.length * this.vocabSize);
      parts.forEach((part, i) => logits.set(part.logits, i * rowsPerGroup * this.vocabSize));
      const cache = (parts[0] as { cache: LayerCache[] }).cache.map((_, layer) => ({
        k: tf.concat(parts.map((part) => (part.cache[layer] as LayerCache).k), 0),
        v: tf.concat(parts.map((part) => (part.cache[layer] as LayerCache).v), 0),
      }));
      return { logits, cache };
    } finally {
      for (const part of parts) disposeCache(part.cache);
    }
  }

  /** One forward call returning the last position's logits per row [B·V] and the grown cache. */
  private async step(ids: number[][], keyMask: number[][], positions: number[][], cache: readonly LayerCache[] | undefined): Promise<{ logits: Float32Array; cache: LayerCache[] }> {
    const { lastLogits, nextCache } = tf.tidy(() => {
      const input = { ids: this.idsTensor(ids), positions, mask: attentionMask(keyMask, ids[0]?.length ?? 0), cache };
      const { hidden, cache: grown } = forwardHidden(this.architecture, this.weights, input);
      const [batch, time, width] = hidden.shape;
      const last = tf.slice(hidden, [0, time - 1, 0], [batch, 1, width]);
      return { lastLogits: vocabularyHead(this.architecture, this.weights, last, this.transposedHead()), nextCache: grown };
    });
    // Asynchronous read: WebGPU in Node has no synchronous one (tfjs would need an OffscreenCanvas).
    const logits = (await lastLogits.data()) as Float32Array;
    lastLogits.dispose();
    return { logits, cache: nextCache };
  }

  /**
   * The tied (embedding-shaped) head transposed once for inference: multiplying by a transposed
   * operand re-copies the whole [vocab, hidden] matrix on every decoding step otherwise. The copy
   * is remade when the weights change (tfjs gives an assigned variable new data).
   */
  private transposedHead(): tf.Tensor2D | undefined {
    const name = embeddingShapedHead(this.architecture);
    if (name === undefined) return undefined;
    const source = this.weights.get(name) as tf.Variable;
    const data = (source as unknown as { dataId: object }).dataId;
    if (this.headCache?.data !== data) {
      this.headCache?.tensor.dispose();
      this.headCache = { data, tensor: tf.keep(tf.tidy(() => tf.transpose(source) as tf.Tensor2D)) };
    }
    return this.headCache.tensor;
  }

  private headCache: { data: object; tensor: tf.Tensor2D } | undefined;

  private keepRows(cache: LayerCache[], rows: number[]): LayerCache[] {
    const index = tf.tensor1d(rows, 'int32');
    const kept = cache.map(({ k, v }) => ({ k: tf.gather(k, index), v: tf.gather(v, index) }));
    index.dispose();
    disposeCache(cache);
    return kept;
  }

  private idsTensor(ids: readonly (readonly number[])[]): tf.Tensor2D {
    return tf.tensor2d(ids.flat(), [ids.length, ids[0]?.length ?? 0], 'int32');
  }

  private checkIds(ids: readonly number[], name: string): number[] {
    const parsed = idsSchema.safeParse(ids);
    if (!parsed.success) throw new Error(`${name} must be a list of non-negative integer token ids`);
    const bad = parsed.data.find((id) => id >= this.vocabSize);
    if (bad !== undefined) throw new Error(`${name} holds token id ${bad}, outside the model's vocabulary of ${this.vocabSize}`);
    if (parsed.data.length > this.maxPositions) throw new Error(`${name} has ${parsed.data.length} tokens; the model takes at most ${this.maxPositions}`);
    return parsed.data;
  }
}

function disposeCache(cache: readonly LayerCache[]): void {
  for (const { k, v } of cache) {
    k.dispose();
    v.dispose();
  }
}
