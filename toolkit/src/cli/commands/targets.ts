/**
 * What the paper-scale commands (`serve reward`, `rag-cache`, `training-set`) take on the command
 * line besides data: the frozen generator and judge (a server URL or a local model directory, as
 * `s3lab eval` opens them). One place, so the commands read them the same way; a retriever is
 * opened by `openRetrieverSource`.
 *
 * @example
 * ```ts
 * const models = await openGeneratorAndJudge({ generator: 'http://127.0.0.1:8001/v1', generatorModel: 'Qwen/Qwen2.5-14B-Instruct' });
 * ```
 */
import { cachedChatModel } from '../../llm/cache.js';
import type { ChatModel } from '../../llm/types.js';
import { openChatModelSource } from '../../llm/open-source.js';
import { isUrl } from '../../core/is-url.js';
import { loadModelOption } from '../model-option.js';
import { UsageError } from '../usage-error.js';

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

/** A `ChatModel` for `--generator`/`--judge`: an OpenAI-compatible server URL, or a local model directory. */
export async function openChatModel(option: string, target: string, model: string | undefined): Promise<ChatModel & { dispose?: () => void }> {
  if (isUrl(target) && !model) throw new UsageError(`--${option} ${target} is a server: name its model with --model (e.g. --model Qwen/Qwen2.5-14B-Instruct)`);
  return loadModelOption(`--${option}`, target, (source) => openChatModelSource(source, { model, label: `--${option}` })) as Promise<ChatModel & { dispose?: () => void }>;
}
