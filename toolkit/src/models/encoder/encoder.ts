/**
 * A BERT-family sentence encoder (e5, BGE, MiniLM, the lab encoder) run from an ONNX export
 * on the CPU: texts in, L2-normalised mean-pooled embeddings out, the way the s3 retriever
 * embeds queries and passages. It embeds texts exactly as given; e5's "query: " / "passage: "
 * prefixes are the retriever's business (see `e5Query`, `e5Passage`).
 */
import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { ModelFileError, requireModelDirectory, requireModelFile } from '../model-files.js';
import { loadTokenizer, type TextTokenizer } from '../tokenizer/tokenizer.js';
import { padInBatches, type PaddedBatch } from './batches.js';
import { readEncoderConfig, readTokenizerConfig, resolveMaxLength, resolvePadId } from './config.js';
import { openEncoderSession, type EncoderSession, type KnownInput } from './onnx-session.js';
import { meanPoolNormalize } from './pooling.js';
import { loadTfjsBert } from './tfjs-bert.js';
import { resolveDevice } from '../tfjs/device.js';

/** A loaded encoder. */
export interface Encoder {
  /** Length of every embedding (the model's hidden size). */
  readonly dimension: number;
  /** Texts are truncated to this many tokens, special tokens included. */
  readonly maxLength: number;
  /** The tokenizer the encoder runs (same truncation), e.g. to count tokens. */
  readonly tokenizer: TextTokenizer;
  /** One unit-length embedding per text, in order; `[]` for an empty batch. */
  encode(texts: readonly string[]): Promise<Float32Array[]>;
  /** Frees the ONNX Runtime session; the encoder cannot be used afterwards. */
  dispose(): Promise<void>;
}

/** Options of {@link loadEncoder}. */
export interface EncoderOptions {
  /** Truncation length in tokens, special tokens included (default 256, the s3 e5 setting, capped by the model). */
  maxLength?: number;
  /** Texts per ONNX run (default 16: on a small CPU larger batches gain nothing and hold more memory). */
  batchSize?: number;
  /** ONNX Runtime intra-op threads (default: one per core). */
  threads?: number;
  /** File name of the ONNX graph in the directory (default `model.onnx`). */
  modelFile?: string;
  /**
   * `onnx` (ONNX Runtime, the fastest on a CPU) or `tfjs` (the BERT forward pass in tfjs, from
   * `model.safetensors`). Default: `onnx` when the ONNX file is there, `tfjs` otherwise, and
   * `tfjs` on the GPU (`S3LAB_DEVICE` resolving to WebGPU) when `model.safetensors` is there.
   */
  runtime?: 'onnx' | 'tfjs';
}

const optionsSchema = z.object({
  maxLength: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().default(16),
  threads: z.number().int().positive().optional(),
  modelFile: z.string().min(1).default('model.onnx'),
  runtime: z.enum(['onnx', 'tfjs']).optional(),
});
const textsSchema = z.array(z.string());

/**
 * Loads an encoder from a directory in the Hugging Face layout: `config.json` (hidden_size,
 * max_position_embeddings), `tokenizer.json`, optionally `tokenizer_config.json` (pad token),
 * and either `model.onnx` (inputs `input_ids`, `attention_mask`, optionally `token_type_ids`;
 * output `last_hidden_state`), run by ONNX Runtime, or a BERT `model.safetensors`, run in tfjs.
 *
 * @example
 * ```ts
 * import { loadEncoder, e5Query } from '@s3lab/toolkit';
 * const encoder = await loadEncoder('datasets/models/lab-e5-small', { maxLength: 256 });
 * const [vector] = await encoder.encode([e5Query('Who founded Cuga Records?')]);
 * console.log(encoder.dimension, vector?.length);
 * await encoder.dispose();
 * ```
 */
export async function loadEncoder(dir: string, options: EncoderOptions = {}): Promise<Encoder> {
  const opts = optionsSchema.parse(options);
  await requireModelDirectory(dir, `config.json, tokenizer.json and ${opts.modelFile} (or a BERT model.safetensors)`);
  const configPath = await requireModelFile(dir, 'config.json', 'the model configuration: hidden size, positions');
  const tokenizerPath = await requireModelFile(dir, 'tokenizer.json', "the tokenizer's vocabulary and rules");
  const runtime = opts.runtime ?? (await defaultRuntime(dir, opts.modelFile));
  const config = await readEncoderConfig(configPath);
  const tokenizerConfig = await readTokenizerConfig(join(dir, 'tokenizer_config.json'));
  const maxLength = resolveMaxLength(opts.maxLength, config, tokenizerConfig);
  const tokenizer = await loadTokenizer(tokenizerPath, { maxLength });
  const padId = resolvePadId((t) => tokenizer.tokenToId(t), config, tokenizerConfig);
  const dimension = config.hidden_size;
  const run = runtime === 'onnx'
    ? await onnxRunner(await requireModelFile(dir, opts.modelFile, 'the network, exported to ONNX'), opts.threads ?? availableParallelism(), dimension)
    : await tfjsRunner(dir, config, dimension);
  let disposed = false;

  return {
    dimension,
    maxLength,
    tokenizer,
    async encode(texts) {
      if (disposed) throw new Error('this encoder has been disposed');
      const batch = textsSchema.parse(texts);
      const out = new Array<Float32Array>(batch.length);
      const tokenized = await tokenizer.tokenize(batch);
      for (const padded of padInBatches(tokenized, padId, opts.batchSize)) {
        const vectors = await run.batch(padded);
        padded.indices.forEach((textIndex, row) => (out[textIndex] = vectors[row]!));
      }
      return out;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await run.dispose();
    },
  };
}

/**
 * ONNX Runtime when the ONNX file is there, tfjs otherwise; but on the GPU (`S3LAB_DEVICE`
 * resolving to WebGPU) tfjs whenever the safetensors weights are there, since s3lab's ONNX
 * Runtime runs on the CPU only.
 */
async function defaultRuntime(dir: string, modelFile: string): Promise<'onnx' | 'tfjs'> {
  const exists = (name: string) => access(join(dir, name)).then(() => true, () => false);
  const [onnx, safetensors] = [await exists(modelFile), await exists('model.safetensors')];
  if (!onnx && !safetensors) throw new ModelFileError(join(dir, modelFile), `the model directory ${dir} has neither ${modelFile} (the network for ONNX Runtime) nor model.safetensors (BERT weights for tfjs)`);
  if (safetensors && (await resolveDevice()).backend === 'webgpu') return 'tfjs';
  return onnx ? 'onnx' : 'tfjs';
}

/** One padded batch in, its pooled embeddings out, whichever runtime computes the hidden states. */
interface BatchRunner {
  batch(padded: PaddedBatch): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

async function onnxRunner(modelPath: string, threads: number, dimension: number): Promise<BatchRunner> {
  const session = await openEncoderSession(modelPath, threads);
  return { batch: (padded) => runBatch(session, padded, dimension, modelPath), dispose: () => session.session.release() };
}

async function tfjsRunner(dir: string, config: Record<string, unknown>, dimension: number): Promise<BatchRunner> {
  const model = await loadTfjsBert(dir, config);
  return {
    async batch(padded) {
      const hidden = await model.lastHiddenState(padded);
      return meanPoolNormalize(hidden, padded.attentionMask, padded.indices.length, padded.width, dimension);
    },
    dispose: async () => model.dispose(),
  };
}

/** Runs one padded batch and pools its hidden states. */
async function runBatch({ session, inputs, output }: EncoderSession, batch: PaddedBatch, dimension: number, modelPath: string): Promise<Float32Array[]> {
  const rows = batch.indices.length;
  const shape = [rows, batch.width];
  const data: Record<KnownInput, BigInt64Array> = { input_ids: batch.inputIds, attention_mask: batch.attentionMask, token_type_ids: batch.tokenTypeIds };
  const feeds = Object.fromEntries(inputs.map((name) => [name, new Tensor('int64', data[name], shape)]));
  const result = await session.run(feeds, [output]);
  const hidden = result[output];
  const dims = hidden?.dims ?? [];
  if (hidden === undefined || hidden.type !== 'float32' || dims.length !== 3 || dims[0] !== rows || dims[1] !== batch.width || dims[2] !== dimension) {
    throw new Error(`${modelPath}: output ${output} is ${hidden?.type ?? 'missing'} [${dims.join(', ')}], expected float32 [${rows}, ${batch.width}, ${dimension}] (config.json hidden_size = ${dimension})`);
  }
  return meanPoolNormalize(hidden.data as Float32Array, batch.attentionMask, rows, batch.width, dimension);
}
