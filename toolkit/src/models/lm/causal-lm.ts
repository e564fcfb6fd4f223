/**
 * `TransformerLM`: a decoder-only transformer held as tfjs variables under their Hugging Face
 * names. Inference (`logits`, `generate`, `generateBatch` with a KV cache) and training
 * (`forwardLogits` inside a gradient tape, `variables`) share one forward pass.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../tfjs/index.js';
import type { LmConfig } from './config.js';
import { parameterSpecs } from './parameters.js';
import { writeSafetensors, type StoredTensor } from './safetensors.js';
import { checkTokenIds, decodeBatch, type DecodeStep } from './decoding.js';
import { positionsFromMask } from './positions.js';
import { attentionMask, embeddingShapedHead, forwardHidden, forwardSelectedHidden, vocabularyHead, type LayerCache } from './transformer.js';
import type { CausalLM, GenerateOptions } from './types.js';

/** Most prompt tokens (rows × padded width) in one prefill forward call; see `decodeStep`. */
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
    this.decodeStep = {
      vocabSize: architecture.vocabSize,
      prefillTokens: PREFILL_TOKENS,
      forward: (ids, keyMask, positions, cache) => this.step(ids, keyMask, positions, cache),
      concatRows: (parts, width) => tf.tidy(() => (parts[0] as LayerCache[]).map((_, layer) => {
        const padded = (t: tf.Tensor4D): tf.Tensor4D => {
          const [rows, heads, length, dim] = t.shape;
          return length === width ? t : tf.concat([tf.zeros([rows, heads, width - length, dim]), t], 2);
        };
        return {
          k: tf.concat(parts.map((part) => padded((part[layer] as LayerCache).k)), 0),
          v: tf.concat(parts.map((part) => padded((part[layer] as LayerCache).v)), 0),
        };
      })),
      keepRows: (cache, rows) => {
        const index = tf.tensor1d([...rows], 'int32');
        const kept = cache.map(({ k, v }) => ({ k: tf.gather(k, index), v: tf.gather(v, index) }));
        index.dispose();
        return kept;
      },
      release: disposeCache,
    };
  }

  /**
   * Decoding on tfjs: the cache is tensors to dispose. Prompts are prefilled in groups of at most
   * PREFILL_TOKENS tokens: on WASM a batch's attention scores outgrow the CPU caches, and one
   * 16 × 550-token prefill ran 2.5x slower per row than groups of two (measured on the lab generator).
   */
  private readonly decodeStep: DecodeStep<LayerCache[]>;

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
      const input = { ids: this.idsTensor(ids), idRows: ids, positions: positionsFromMask(mask), mask: attentionMask(mask, ids[0]?.length ?? 0) };
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
      const input = { ids: this.idsTensor(ids), idRows: ids, positions: positionsFromMask(mask), mask: attentionMask(mask, ids[0]?.length ?? 0) };
      return forwardHidden(this.architecture, this.weights, input).hidden;
    });
  }

  /**
   * Final hidden states [N, H] at the positions `select[b]` (ascending, in padded coordinates) of
   * each row b, rows one after another; differentiable. The same numbers as slicing
   * {@link forwardHiddenStates}, but the last layer runs at those positions alone (see
   * `forwardSelectedHidden`): how a trainer scores a few tokens of long transcripts.
   */
  forwardSelectedStates(ids: readonly (readonly number[])[], keyMask: readonly (readonly number[])[], select: readonly (readonly number[])[]): tf.Tensor2D {
    return tf.tidy(() => {
      const input = { ids: this.idsTensor(ids), idRows: ids, positions: positionsFromMask(keyMask), mask: attentionMask(keyMask, ids[0]?.length ?? 0) };
      return forwardSelectedHidden(this.architecture, this.weights, input, select);
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
    const tokens = checkTokenIds(ids, 'ids', this);
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

  generateBatch(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<number[][]> {
    return decodeBatch(this.decodeStep, prompts, options, { vocabSize: this.vocabSize, maxPositions: this.maxPositions, eosTokenIds: this.architecture.eosTokenIds });
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

  private idsTensor(ids: readonly (readonly number[])[]): tf.Tensor2D {
    return tf.tensor2d(ids.flat(), [ids.length, ids[0]?.length ?? 0], 'int32');
  }
}

function disposeCache(cache: readonly LayerCache[]): void {
  for (const { k, v } of cache) {
    k.dispose();
    v.dispose();
  }
}
