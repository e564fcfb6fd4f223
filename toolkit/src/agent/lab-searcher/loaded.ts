/**
 * A trained lab searcher directory (`trainLabSearcher` writes one: `searcher/`, `sft/`, or the
 * shipped `datasets/models/lab-searcher`) loaded in process for evaluation, and the s3 loop it
 * runs: the lab prompt, greedy, `LmSearcherPolicy` over its model (generation only, so on the
 * inference runtime `loadInferenceLM` picks: ONNX Runtime on the CPU). The `s3` method runs it when the
 * searcher it is given is a lab searcher; `labSearcherMethod` wraps one as a method of its own name.
 * `s3lab.json` in the directory says it is one, with the preset, initial documents and document
 * selection it was trained with.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LAB_SCALE } from '../../config/index.js';
import { readJsonFile } from '../../core/json-file.js';
import { loadInferenceLM, type CausalLM, type InferenceRuntime } from '../../models/lm/index.js';
import { loadTokenizer, type TextTokenizer } from '../../models/tokenizer/index.js';
import type { Retriever } from '../../retrieval/types.js';
import type { Trajectory } from '../trajectory.js';
import { LAB_METHODS, labSearcherPrompt, type LabMethod } from './lab-searcher.js';
import { LmSearcherPolicy } from './lm-policy.js';
import { labPolicyLoop } from './policy-loop.js';

/** `s3lab.json` in a lab searcher's directory: which prompt it reads and the settings it was trained with. */
export const LAB_SEARCHER_INFO_FILE = 's3lab.json';
const labSearcherInfoSchema = z.object({
  searcher: z.literal('lab'),
  /** What it was trained for (absent: s3, as every directory written before the other methods). */
  method: z.enum(LAB_METHODS).optional(),
  preset: z.string().min(1),
  /** 0: the searcher begins without naive-RAG documents. */
  initialDocs: z.number().int().min(0),
  /** false: it was trained with every retrieved document going to the generator (absent: true). */
  selection: z.boolean().optional(),
});
export type LabSearcherInfo = z.output<typeof labSearcherInfoSchema>;

/**
 * The directory's lab-searcher description, or undefined when it has none (e.g. a chat model).
 *
 * @example
 * ```ts
 * (await readLabSearcherInfo('datasets/models/lab-searcher'))?.preset; // '8-3-3'
 * ```
 */
export async function readLabSearcherInfo(dir: string): Promise<LabSearcherInfo | undefined> {
  return readJsonFile(join(dir, LAB_SEARCHER_INFO_FILE), labSearcherInfoSchema).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

/**
 * Writes `s3lab.json` so that `s3lab eval --searcher DIR` and {@link loadLabSearcher} know the directory.
 *
 * @example
 * ```ts
 * await writeLabSearcherInfo('out/lab-run/searcher', { preset: '8-3-3', initialDocs: 3 });
 * ```
 */
export async function writeLabSearcherInfo(dir: string, info: Omit<LabSearcherInfo, 'searcher'>): Promise<void> {
  // s3 stays implicit: older readers of s3lab.json know no `method`.
  const { method, ...rest } = info;
  await writeFile(join(dir, LAB_SEARCHER_INFO_FILE), `${JSON.stringify({ searcher: 'lab', ...(method === undefined || method === 's3' ? {} : { method }), ...rest }, null, 2)}\n`);
}

/** A lab searcher in memory; `dispose()` frees its weights. */
export interface LabSearcher {
  readonly kind: 'lab-searcher';
  /** The directory it was loaded from (also its name in logs). */
  readonly dir: string;
  readonly name: string;
  /** Its `s3lab.json`, when the directory has one. */
  readonly info: LabSearcherInfo | undefined;
  readonly lm: CausalLM;
  readonly tokenizer: TextTokenizer;
  dispose(): void;
}

export interface LoadLabSearcherOptions {
  /** ONNX Runtime's intra-op threads (default: every core); split the cores between models that run at once. */
  threads?: number;
  /** The inference runtime (default `auto`, see `loadInferenceLM`). */
  runtime?: InferenceRuntime;
}

/**
 * Loads the model and tokenizer of a lab searcher directory once; every run reuses them. `info`
 * replaces its `s3lab.json`, `tokenizerDir` names the tokenizer when the directory holds only
 * weights (a training checkpoint), and `options` the runtime's threads.
 *
 * @example
 * ```ts
 * const searcher = await loadLabSearcher('datasets/models/lab-searcher');
 * const trajectories = await runLabSearcher(searcher, ['Who founded Cuga Records?'], { retriever });
 * searcher.dispose();
 * ```
 */
export async function loadLabSearcher(dir: string, info?: LabSearcherInfo, tokenizerDir = dir, options: LoadLabSearcherOptions = {}): Promise<LabSearcher> {
  const [lm, tokenizer, read] = await Promise.all([loadInferenceLM(dir, options), loadTokenizer(tokenizerDir), info ? Promise.resolve(info) : readLabSearcherInfo(dir)]);
  return { kind: 'lab-searcher', dir, name: dir, info: read, lm, tokenizer, dispose: () => lm.dispose() };
}

/**
 * Whether a searcher is a loaded lab searcher (else it is a `ChatModel`).
 *
 * @example
 * ```ts
 * isLabSearcher(await loadLabSearcher('datasets/models/lab-searcher')); // true
 * ```
 */
export function isLabSearcher(searcher: unknown): searcher is LabSearcher {
  return typeof searcher === 'object' && searcher !== null && (searcher as { kind?: unknown }).kind === 'lab-searcher';
}

/**
 * The method a lab searcher was trained for (s3 when its `s3lab.json` names none).
 *
 * @example
 * ```ts
 * labMethodOf(await loadLabSearcher('datasets/models/lab-search-r1')); // 'search-r1'
 * ```
 */
export function labMethodOf(searcher: LabSearcher): LabMethod {
  return searcher.info?.method ?? 's3';
}

/**
 * The searcher, when it was trained for `method`; else an error naming both (a model runs the
 * protocol it was trained on, nothing else).
 *
 * @example
 * ```ts
 * requireLabMethod(await loadLabSearcher('datasets/models/lab-searcher'), 's3');
 * ```
 */
export function requireLabMethod(searcher: LabSearcher, method: LabMethod): LabSearcher {
  const trained = labMethodOf(searcher);
  if (trained !== method) throw new Error(`method ${method} cannot run the lab searcher in ${searcher.dir}: it was trained for ${trained} (its ${LAB_SEARCHER_INFO_FILE})`);
  return searcher;
}

export interface RunLabSearcherOptions {
  retriever: Retriever;
  /** Searcher preset (default: the directory's `s3lab.json`, else the lab scale's 8-3-3). */
  preset?: string;
  /** Initial search results in the prompt (default: the directory's, else the lab scale's 3). */
  initialDocs?: number;
  /** Whether its selection decides the generator's documents (default: the directory's, else true). */
  selection?: boolean;
  /** Most tokens per searcher turn (default 192, the lab scale's). */
  maxTokens?: number;
  /** Default `bm25` (the lab world's index). */
  retrieverKind?: 'dense' | 'bm25';
  /** Documents per search of a Search-R1 model (default 3) and of a DeepRetrieval rewrite (default 3). */
  k?: number;
  /** Method name in the trajectories and the policy's name (default: the method it was trained for). */
  method?: string;
}

/**
 * The loop of the method the searcher was trained for (s3's with the lab prompt, Search-R1's or
 * DeepRetrieval's; see `labPolicyLoop`) with a greedy `LmSearcherPolicy` (one policy per call: it
 * keeps the token records of this call's runs).
 *
 * @example
 * ```ts
 * const [t] = await runLabSearcher(searcher, ['Who founded Cuga Records?'], { retriever, preset: '8-3-3' });
 * console.log(t!.context);
 * ```
 */
export function runLabSearcher(searcher: LabSearcher, questions: readonly string[], options: RunLabSearcherOptions): Promise<Trajectory[]> {
  const loop = labPolicyLoop(labMethodOf(searcher), {
    retriever: options.retriever,
    preset: options.preset ?? searcher.info?.preset ?? LAB_SCALE.searchPreset,
    initialDocs: options.initialDocs ?? searcher.info?.initialDocs ?? LAB_SCALE.initialDocs,
    selection: options.selection ?? searcher.info?.selection ?? true,
    retrieverKind: options.retrieverKind ?? 'bm25', buildPrompt: labSearcherPrompt,
    ...(options.k === undefined ? {} : { k: options.k }),
  });
  const method = options.method ?? loop.method;
  const policy = new LmSearcherPolicy(searcher.lm, searcher.tokenizer, { temperature: 0, maxTokens: options.maxTokens ?? LAB_SCALE.searcherMaxTokens, stopAfter: loop.stopAfter }, method);
  return loop.run(questions, policy, method);
}
