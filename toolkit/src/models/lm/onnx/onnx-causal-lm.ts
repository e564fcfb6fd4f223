/**
 * `OnnxCausalLM`: a Llama/Qwen2 causal LM for inference on ONNX Runtime's CPU provider (AVX2
 * kernels, several threads), from a model directory or from in-memory weights (a snapshot of a
 * training `TransformerLM`). The graph is built in memory (llama-graph.ts) with the weights as
 * initializers, so nothing is written to disk; decoding goes through the one loop all backends
 * share (decoding.ts), with the KV cache held here, in JavaScript arrays the graph reads in place.
 *
 * @example
 * ```ts
 * import { OnnxCausalLM } from '@s3lab/toolkit';
 * const lm = await OnnxCausalLM.load('test/fixtures/lm/tiny-qwen2', { threads: 2 });
 * const rows = await lm.logits([1, 2, 3]);     // one Float32Array of vocabulary logits per position
 * const tokens = await lm.generateBatch([[1, 2, 3], [4, 5]], { maxNewTokens: 8, temperature: 0.7, seeds: [1, 2] });
 * lm.dispose();
 * ```
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import type { TransformerLM } from '../causal-lm.js';
import type { LmConfig } from '../config.js';
import { checkTokenIds, decodeBatch, type DecodeStep } from '../decoding.js';
import { readLmConfig, readLmWeights } from '../model-dir.js';
import { parameterSpecs } from '../parameters.js';
import { attentionMaskValues, MASKED, positionsFromMask, ropeTableValues } from '../positions.js';
import { writeSafetensors, type StoredTensor } from '../safetensors.js';
import type { CausalLM, GenerateOptions } from '../types.js';
import { buildLlamaGraph, concatenate, LLAMA_GRAPH_IO, transpose } from './llama-graph.js';
import { encodeModel } from './onnx-proto.js';

export interface OnnxCausalLMOptions {
  /** ONNX Runtime's intra-op threads (default: every core, `availableParallelism()`). */
  threads?: number;
  /**
   * Whether idle intra-op threads spin-wait for the next kernel (ONNX Runtime's default) instead
   * of sleeping. Spinning shaves latency off each decoding step but burns the cores other work
   * (another worker's model, a trainer) could use. Default false.
   */
  spinning?: boolean;
}

const optionsSchema = z.object({ threads: z.number().int().min(1).optional(), spinning: z.boolean().optional() });

/**
 * The KV cache as slots: keys and values of every layer, [B, KVH, capacity, D] each, of which the
 * first `length` slots hold keys. The graph reads it (unused slots masked) and returns only the
 * new positions, which are written into free slots in place; a full cache grows by SLOT_GROWTH
 * slots (one copy every SLOT_GROWTH decoding steps instead of one per step).
 */
interface SlotCache {
  keys: Float32Array[];
  values: Float32Array[];
  rows: number;
  capacity: number;
  length: number;
}

/** Free slots a cache gets when it is made or grows: few enough that attending over them costs little. */
const SLOT_GROWTH = 32;

/**
 * Most prompt tokens (rows × padded width) in one prefill call. ONNX Runtime's products are not
 * hurt by wide batches the way WASM's are, but its memory arena keeps the largest buffers a session
 * ever needed, and one call's attention scores ([rows, KVH, G·T, T] floats) are the largest: at
 * 8,192 tokens the lab run's sessions held ~9 GB together, at 2,048 a quarter of that.
 */
const PREFILL_TOKENS = 2048;

export class OnnxCausalLM implements CausalLM {
  readonly family = 'llama' as const;
  readonly vocabSize: number;
  readonly maxPositions: number;
  /** Milliseconds it took to encode the graph and create the ONNX Runtime session. */
  readonly sessionMilliseconds: number;
  private session: InferenceSession | undefined;
  private readonly decodeStep: DecodeStep<SlotCache>;

  private constructor(
    /** The normalised architecture. */
    readonly architecture: LmConfig,
    /** `config.json` as read (written back by `save`). */
    readonly config: Readonly<Record<string, unknown>>,
    /** Weights by checkpoint name; Linear weights [in, out], as `TransformerLM.weights` holds them. */
    private readonly weights: ReadonlyMap<string, Float32Array>,
    session: InferenceSession,
    /** The intra-op threads the session runs on. */
    readonly threads: number,
    sessionMilliseconds: number,
  ) {
    this.vocabSize = architecture.vocabSize;
    this.maxPositions = architecture.maxPositions;
    this.session = session;
    this.sessionMilliseconds = sessionMilliseconds;
    this.decodeStep = {
      vocabSize: architecture.vocabSize,
      prefillTokens: PREFILL_TOKENS,
      forward: async (ids, keyMask, positions, cache) => {
        const { logits, keys, values } = await this.run(ids, keyMask, positions, cache, [(ids[0]?.length ?? 1) - 1]);
        return { logits, cache: this.extend(cache, ids.length, ids[0]?.length ?? 0, keys, values) };
      },
      concatRows: (parts, width) => {
        const first = parts[0] as SlotCache;
        if (parts.every((part) => part.length === width && part.capacity === first.capacity)) {
          const join = (pick: (cache: SlotCache) => Float32Array[]): Float32Array[] => pick(first).map((_, layer) => concatenate(parts.map((part) => pick(part)[layer] as Float32Array)));
          return { keys: join((p) => p.keys), values: join((p) => p.values), rows: parts.reduce((n, p) => n + p.rows, 0), capacity: first.capacity, length: first.length };
        }
        // Parts of other widths: each row's keys end at slot `width`, its left padding before them.
        const dim = architecture.headDim;
        const heads = architecture.numKvHeads;
        const rows = parts.reduce((n, p) => n + p.rows, 0);
        const capacity = width + SLOT_GROWTH;
        const join = (pick: (cache: SlotCache) => Float32Array[]): Float32Array[] => pick(first).map((_, layer) => {
          const out = new Float32Array(rows * heads * capacity * dim);
          let row = 0;
          for (const part of parts) {
            const data = pick(part)[layer] as Float32Array;
            for (let r = 0; r < part.rows * heads; r++) {
              out.set(data.subarray(r * part.capacity * dim, (r * part.capacity + part.length) * dim), ((row * heads + r) * capacity + width - part.length) * dim);
            }
            row += part.rows;
          }
          return out;
        });
        return { keys: join((p) => p.keys), values: join((p) => p.values), rows, capacity, length: width };
      },
      keepRows: (cache, rows) => {
        const stride = architecture.numKvHeads * cache.capacity * architecture.headDim;
        const keep = (data: Float32Array): Float32Array => {
          const out = new Float32Array(rows.length * stride);
          rows.forEach((row, i) => out.set(data.subarray(row * stride, (row + 1) * stride), i * stride));
          return out;
        };
        return { keys: cache.keys.map(keep), values: cache.values.map(keep), rows: rows.length, capacity: cache.capacity, length: cache.length };
      },
      // The cache is JavaScript arrays: the garbage collector frees them.
      release: () => undefined,
    };
  }

  /**
   * Loads a Llama or Qwen2 model directory (`config.json` + safetensors, as `loadCausalLM` reads it).
   *
   * @example
   * ```ts
   * const lm = await OnnxCausalLM.load('datasets/models/lab-generator');
   * const tokens = await lm.generate([1, 2, 3], { maxNewTokens: 16 });
   * ```
   */
  static async load(dir: string, options: OnnxCausalLMOptions = {}): Promise<OnnxCausalLM> {
    const { architecture, raw } = await readLmConfig(dir);
    if (architecture.family !== 'llama') throw new Error(`${dir}: ONNX Runtime runs the llama and qwen2 families in s3lab; ${architecture.modelType} runs on tfjs (loadCausalLM)`);
    const stored = await readLmWeights(dir, architecture);
    const weights = new Map(parameterSpecs(architecture).map((spec) => {
      const { data } = stored.get(spec.name) as StoredTensor;
      return [spec.name, spec.transposed ? transpose(data, spec.shape[0] as number, spec.shape[1] as number) : data];
    }));
    return OnnxCausalLM.fromWeights(architecture, raw, weights, options);
  }

  /**
   * A snapshot of a tfjs `TransformerLM`'s current weights on ONNX Runtime: fast generation from a
   * model that trains in tfjs (rebuild it after each optimizer step; the snapshot does not follow
   * later updates).
   *
   * @example
   * ```ts
   * const mirror = await OnnxCausalLM.fromTransformerLM(lm, { threads: 2 });
   * const rollouts = await mirror.generateBatch(prompts, { maxNewTokens: 64, temperature: 1, seeds });
   * mirror.dispose();
   * ```
   */
  static async fromTransformerLM(lm: Pick<TransformerLM, 'architecture' | 'config' | 'weights'>, options: OnnxCausalLMOptions = {}): Promise<OnnxCausalLM> {
    const weights = new Map<string, Float32Array>();
    for (const [name, variable] of lm.weights) weights.set(name, (await variable.data()) as Float32Array);
    return OnnxCausalLM.fromWeights(lm.architecture, lm.config, weights, options);
  }

  /**
   * A model from its architecture and weights by checkpoint name, in s3lab's orientation (Linear
   * weights [in, out], as `TransformerLM.weights`). The arrays are kept (for `save`), not copied.
   *
   * @example
   * ```ts
   * const lm = await OnnxCausalLM.fromWeights(architecture, configJson, weights, { threads: 1 });
   * ```
   */
  static async fromWeights(architecture: LmConfig, config: Readonly<Record<string, unknown>>, weights: ReadonlyMap<string, Float32Array>, options: OnnxCausalLMOptions = {}): Promise<OnnxCausalLM> {
    const { threads = availableParallelism(), spinning = false } = optionsSchema.parse(options);
    const started = performance.now();
    const bytes = encodeModel(buildLlamaGraph(architecture, weights));
    const spin = spinning ? '1' : '0';
    const session = await InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
    });
    return new OnnxCausalLM(architecture, config, weights, session, threads, performance.now() - started);
  }

  async logits(ids: readonly number[]): Promise<Float32Array[]> {
    const tokens = checkTokenIds(ids, 'ids', this);
    if (tokens.length === 0) return [];
    const mask = [tokens.map(() => 1)];
    const { logits } = await this.run([tokens], mask, positionsFromMask(mask), undefined, tokens.map((_, t) => t));
    return tokens.map((_, t) => logits.slice(t * this.vocabSize, (t + 1) * this.vocabSize));
  }

  /**
   * log p(ids[t] | ids[<t]) at each position t of `targets` (ascending, each ≥ 1): the vocabulary
   * head runs at the positions before them alone. How a trainer scores a rollout's sampled tokens
   * without a gradient (a searcher's few tokens in a long transcript of retrieved text).
   *
   * @example
   * ```ts
   * const [a, b] = await lm.tokenLogProbs([5, 6, 7, 8], [2, 3]); // log p(7 | 5 6), log p(8 | 5 6 7)
   * ```
   */
  async tokenLogProbs(ids: readonly number[], targets: readonly number[]): Promise<number[]> {
    const tokens = checkTokenIds(ids, 'ids', this);
    if (targets.length === 0) return [];
    targets.forEach((t, j) => {
      if (!Number.isInteger(t) || t < 1 || t >= tokens.length || (j > 0 && t <= (targets[j - 1] as number))) {
        throw new Error(`tokenLogProbs: targets must ascend within 1…${tokens.length - 1} (got ${t} at ${j})`);
      }
    });
    const mask = [tokens.map(() => 1)];
    const { logits } = await this.run([tokens], mask, positionsFromMask(mask), undefined, targets.map((t) => t - 1));
    const v = this.vocabSize;
    return targets.map((t, j) => {
      const row = logits.subarray(j * v, (j + 1) * v);
      let max = -Infinity;
      for (const x of row) if (x > max) max = x;
      let sum = 0;
      for (const x of row) sum += Math.exp(x - max);
      return (row[tokens[t] as number] as number) - max - Math.log(sum);
    });
  }

  async generate(ids: readonly number[], options: GenerateOptions): Promise<number[]> {
    const [tokens] = await this.generateBatch([ids], options);
    return tokens as number[];
  }

  generateBatch(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<number[][]> {
    return decodeBatch(this.decodeStep, prompts, options, { vocabSize: this.vocabSize, maxPositions: this.maxPositions, eosTokenIds: this.architecture.eosTokenIds });
  }

  /** Writes `config.json` and `model.safetensors` (fp32) in the Hugging Face layout, as `TransformerLM.save`. */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const tensors = new Map<string, StoredTensor>();
    for (const spec of parameterSpecs(this.architecture)) {
      const data = this.weights.get(spec.name) as Float32Array;
      tensors.set(spec.name, { shape: spec.shape, data: spec.transposed ? transpose(data, spec.shape[1] as number, spec.shape[0] as number) : data });
    }
    await writeSafetensors(join(dir, 'model.safetensors'), tensors);
    await writeFile(join(dir, 'config.json'), `${JSON.stringify({ ...this.config, torch_dtype: 'float32' }, null, 2)}\n`);
  }

  /** Releases the ONNX Runtime session; later calls fail. */
  dispose(): void {
    const session = this.session;
    this.session = undefined;
    // Releasing only frees native memory; a failure there leaves nothing to undo.
    session?.release().catch(() => undefined);
  }

  /**
   * One forward call: ids [B, T] after `cache` (or none); the logits of `logitPositions` of T per
   * row ([B · N · V]) and the T new keys and values per layer ([B, KVH, T, D] each).
   */
  private async run(ids: number[][], keyMask: number[][], positions: number[][], cache: SlotCache | undefined, logitPositions: number[]): Promise<{ logits: Float32Array; keys: Float32Array[]; values: Float32Array[] }> {
    if (this.session === undefined) throw new Error('OnnxCausalLM: the model was disposed');
    const c = this.architecture;
    const io = LLAMA_GRAPH_IO;
    const batch = ids.length;
    const time = ids[0]?.length ?? 0;
    const slots = cache?.capacity ?? 0;
    const { cos, sin } = ropeTableValues(positions, c.headDim, c.ropeTheta);
    const feeds: Record<string, Tensor> = {
      [io.inputIds]: new Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [batch, time]),
      [io.cos]: new Tensor('float32', cos, [batch, time, 1, c.headDim]),
      [io.sin]: new Tensor('float32', sin, [batch, time, 1, c.headDim]),
      [io.mask]: new Tensor('float32', slotMask(attentionMaskValues(keyMask, time), batch * time, cache?.length ?? 0, slots, time), [batch, 1, time, slots + time]),
      [io.keySplit]: new Tensor('int64', BigInt64Array.from([slots, time], BigInt), [2]),
      [io.logitPositions]: new Tensor('int64', BigInt64Array.from(logitPositions, BigInt), [logitPositions.length]),
    };
    const dims = [batch, c.numKvHeads, slots, c.headDim];
    const empty = new Float32Array(0);
    for (let i = 0; i < c.numLayers; i++) {
      feeds[io.pastKey(i)] = new Tensor('float32', cache?.keys[i] ?? empty, dims);
      feeds[io.pastValue(i)] = new Tensor('float32', cache?.values[i] ?? empty, dims);
    }
    const out = await this.session.run(feeds);
    const read = (name: string): Float32Array => (out[name] as Tensor).data as Float32Array;
    return {
      logits: read(io.logits),
      keys: Array.from({ length: c.numLayers }, (_, i) => read(io.newKey(i))),
      values: Array.from({ length: c.numLayers }, (_, i) => read(io.newValue(i))),
    };
  }

  /** The cache with `time` new positions written into its free slots (in place when they fit). */
  private extend(cache: SlotCache | undefined, rows: number, time: number, keys: Float32Array[], values: Float32Array[]): SlotCache {
    const { numKvHeads: heads, headDim: dim } = this.architecture;
    const length = cache?.length ?? 0;
    let target = cache;
    if (target === undefined || length + time > target.capacity) {
      const capacity = length + time + SLOT_GROWTH;
      const grow = (old: Float32Array | undefined): Float32Array => {
        const data = new Float32Array(rows * heads * capacity * dim);
        if (old !== undefined && length > 0) {
          const oldCapacity = (cache as SlotCache).capacity;
          for (let r = 0; r < rows * heads; r++) data.set(old.subarray(r * oldCapacity * dim, (r * oldCapacity + length) * dim), r * capacity * dim);
        }
        return data;
      };
      target = { keys: keys.map((_, i) => grow(cache?.keys[i])), values: values.map((_, i) => grow(cache?.values[i])), rows, capacity, length };
    }
    const capacity = target.capacity;
    const write = (into: Float32Array, fresh: Float32Array): void => {
      for (let r = 0; r < rows * heads; r++) into.set(fresh.subarray(r * time * dim, (r + 1) * time * dim), (r * capacity + length) * dim);
    };
    keys.forEach((fresh, i) => write(target.keys[i] as Float32Array, fresh));
    values.forEach((fresh, i) => write(target.values[i] as Float32Array, fresh));
    target.length = length + time;
    return target;
  }
}

/**
 * The additive mask laid out for a cache of `slots` slots: each of the `queryRows` rows of
 * `mask` (its `length` cached keys, then the new ones) becomes the cached keys, the free slots
 * (masked), then the new keys.
 */
function slotMask(mask: Float32Array, queryRows: number, length: number, slots: number, time: number): Float32Array {
  if (slots === length) return mask;
  const width = length + time;
  const out = new Float32Array(queryRows * (slots + time)).fill(MASKED);
  for (let row = 0; row < queryRows; row++) {
    const from = row * width;
    const to = row * (slots + time);
    out.set(mask.subarray(from, from + length), to);
    out.set(mask.subarray(from + length, from + width), to + slots);
  }
  return out;
}
