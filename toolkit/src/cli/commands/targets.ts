/**
 * What the paper-scale commands (`serve reward`, `rag-cache`, `training-set`) take on the command
 * line besides data: the frozen generator and judge (a server URL or a local model directory, as
 * `s3lab eval` opens them) and a retriever (a server URL, an index directory, or a corpus JSONL
 * indexed with BM25 in memory). One place, so the three commands read them the same way.
 *
 * @example
 * ```ts
 * const models = await openGeneratorAndJudge({ generator: 'http://127.0.0.1:8001/v1', generatorModel: 'Qwen/Qwen2.5-14B-Instruct' });
 * const retriever = await openRetrieverTarget('--retriever', 'http://127.0.0.1:3000');
 * ```
 */
import { stat } from 'node:fs/promises';
import { readCorpus } from '../../data/formats/corpus.js';
import { cachedChatModel } from '../../llm/cache.js';
import type { ChatModel } from '../../llm/types.js';
import { Bm25Index } from '../../retrieval/index.js';
import { RetrieverClient } from '../../retrieval/client.js';
import { openRetriever } from '../../retrieval/open-index.js';
import type { Retriever } from '../../retrieval/types.js';
import { UsageError } from '../usage-error.js';
import { loadLocalChatModel } from '../../llm/local.js';
import { openAiChatModel } from '../../llm/openai.js';

export const isUrl = (target: string): boolean => /^https?:\/\//iu.test(target);

export interface ModelTargets {
  generator: string;
  /** Model name on the server when `generator` is a URL. */
  generatorModel?: string;
  /** A URL, a directory, `none` (span match only); default: the generator. */
  judge?: string;
  /** Model name on the judge's server (default: `generatorModel`). */
  judgeModel?: string;
  /** On-disk response cache for generator and judge calls. */
  cache?: string;
}

export interface OpenedModels {
  generator: ChatModel;
  judge: ChatModel | undefined;
  dispose(): void;
}

/**
 * Opens the generator and the judge (the same model unless `--judge` names another, none with `--judge none`).
 *
 * @example
 * ```ts
 * const { generator, judge, dispose } = await openGeneratorAndJudge({ generator: 'datasets/models/lab-generator', judge: 'none' });
 * ```
 */
export async function openGeneratorAndJudge(targets: ModelTargets): Promise<OpenedModels> {
  if (isUrl(targets.generator) && !targets.generatorModel) throw new UsageError(`--generator ${targets.generator} is a server: name its model with --generator-model (e.g. --generator-model Qwen/Qwen2.5-14B-Instruct)`);
  const judgeTarget = targets.judge ?? targets.generator;
  const judgeModel = targets.judgeModel ?? targets.generatorModel;
  if (judgeTarget !== 'none' && isUrl(judgeTarget) && !judgeModel) throw new UsageError(`--judge ${judgeTarget} is a server: name its model with --judge-model`);
  const generator = await openChatModel('generator', targets.generator, targets.generatorModel);
  const sameAsGenerator = judgeTarget === targets.generator && judgeModel === targets.generatorModel;
  const judge = judgeTarget === 'none' ? undefined : sameAsGenerator ? generator : await openChatModel('judge', judgeTarget, judgeModel);
  const wrap = (model: ChatModel): ChatModel => (targets.cache ? cachedChatModel(model, { dir: targets.cache }) : model);
  return {
    generator: wrap(generator),
    judge: judge ? wrap(judge) : undefined,
    dispose: () => {
      generator.dispose?.();
      if (judge && judge !== generator) (judge as { dispose?: () => void }).dispose?.();
    },
  };
}

export interface OpenedRetrieverTarget {
  retriever: Retriever;
  /** `undefined` for a server (it does not say); the prompt asks for Boolean queries only for `bm25`. */
  kind: 'dense' | 'bm25' | undefined;
  name: string;
  close(): Promise<void>;
}

/**
 * A retriever from a command-line value: an http(s) URL of a retrieval server (`s3lab serve
 * retriever` or the original's), an index directory (`s3lab index`), or a corpus JSONL file
 * indexed with BM25 in memory (seconds for the lab world).
 *
 * @example
 * ```ts
 * const { retriever, close } = await openRetrieverTarget('--retriever', 'datasets/lab/corpus.jsonl');
 * ```
 */
export async function openRetrieverTarget(option: string, target: string): Promise<OpenedRetrieverTarget> {
  if (isUrl(target)) return { retriever: new RetrieverClient(target), kind: undefined, name: target, close: async () => undefined };
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) {
    const opened = await openRetriever(target).catch((error: Error) => {
      throw new UsageError(`cannot open ${option} ${target}: ${error.message}`);
    });
    return { retriever: opened.retriever, kind: opened.kind, name: opened.name, close: () => opened.close() };
  }
  if (info?.isFile()) {
    const documents = await readCorpus(target).toArray().catch((error: Error) => {
      throw new UsageError(`cannot read ${option} ${target} as a corpus JSONL: ${error.message}`);
    });
    const index = Bm25Index.build(documents);
    return { retriever: index, kind: 'bm25', name: `bm25 of ${target} (in memory)`, close: () => index.close() };
  }
  throw new UsageError(`${option} ${target}: expected a retrieval server URL, an index directory or a corpus JSONL file`);
}


/** A `ChatModel` for `--generator`/`--judge`: an OpenAI-compatible server URL, or a local model directory. */
export async function openChatModel(option: string, target: string, model: string | undefined): Promise<ChatModel & { dispose?: () => void }> {
  if (isUrl(target)) {
    if (!model) throw new UsageError(`--${option} ${target} is a server: name its model with --model (e.g. --model Qwen/Qwen2.5-14B-Instruct)`);
    return openAiChatModel({ baseUrl: target, model });
  }
  const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new UsageError(`--${option} ${target}: expected a model directory or an http(s) URL`);
  return loadLocalChatModel(target);
}
