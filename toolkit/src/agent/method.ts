/**
 * One interface for every way of building the generator's context (no retrieval, naive RAG, the s3
 * searcher, the scripted searcher, the baselines): a method takes questions and an environment
 * and returns one `Trajectory` per question. The evaluation harness and the CLI look methods up by
 * name in the one registry (`registry.ts`) and score every method with the same generator, so
 * only the context differs.
 *
 * @example
 * ```ts
 * import { getMethod } from '@s3lab/toolkit';
 * const [t] = await getMethod('naive-rag').run(['Who founded Cuga Records?'], { retriever, k: 3 });
 * console.log(t!.context);
 * ```
 */
import type { ChatModel } from '../llm/types.js';
import type { Retriever } from '../retrieval/types.js';
import type { LabSearcher } from './lab-searcher/loaded.js';
import { isLabSearcher } from './lab-searcher/loaded.js';
import type { GenerationSettings } from './model-call.js';
import type { Trajectory } from './trajectory.js';

/** A searcher/reasoner: an instruction-following chat model, or a trained lab model loaded in process (it runs the method it was trained for: s3, search-r1 or deep-retrieval). */
export type SearcherModel = ChatModel | LabSearcher;

/**
 * What a method may use. Each method reads only what it declares in `needs` plus the optional
 * settings; a field it does not use is ignored.
 */
export interface MethodEnv {
  retriever?: Retriever;
  /** The searcher/reasoner model of the methods that have one (`needs.searcher`). */
  searcher?: SearcherModel;
  /** The frozen generator, for methods that may call it themselves (none of the built-in ones does). */
  generator?: ChatModel;
  /** Passages per retrieval of the methods without a preset (naive RAG and the baselines); each method has its own default. */
  k?: number;
  /** Searcher preset `docs-turns-kept` of s3 and scripted (default 8-3-3; a lab searcher's own preset). */
  preset?: string;
  /** The index kind: s3's prompt asks for Boolean queries with `bm25`. */
  retrieverKind?: 'dense' | 'bm25';
  /** Sampling and prompt rendering of a chat-model searcher (temperature, max tokens, seed, chat template). */
  sampling?: GenerationSettings;
}

/**
 * What a method needs from its environment. `searcher`: `false` (none), `'chat'` (an
 * instruction-following `ChatModel`), or `'any'` (a `ChatModel` or a loaded lab searcher).
 */
export interface MethodNeeds {
  retriever: boolean;
  searcher: false | 'chat' | 'any';
}

export interface Method {
  /** Lowercase letters, digits and `. _ + -`; also the `method` of its trajectories and records. */
  readonly name: string;
  /** One line for tables and `--help`. */
  readonly description: string;
  readonly needs: MethodNeeds;
  /** The generator answers with its no-context (zero-shot) prompt instead of the context prompt. */
  readonly zeroShot?: boolean;
  /** One trajectory per question, in order. */
  run(questions: readonly string[], env: MethodEnv): Promise<Trajectory[]>;
}

/**
 * The retriever of a method that needs one, or an error naming the method.
 *
 * @example
 * ```ts
 * const retriever = requireRetriever('naive-rag', env);
 * ```
 */
export function requireRetriever(method: string, env: MethodEnv): Retriever {
  if (!env.retriever) throw new Error(`method ${method} needs a retriever (an index: env.retriever, --index or --corpus)`);
  return env.retriever;
}

/**
 * The chat-model searcher of a method that needs one, or an error naming the method and what it
 * was given instead (a lab model runs the one protocol it was trained on).
 *
 * @example
 * ```ts
 * const model = requireChatSearcher('search-r1', env);
 * ```
 */
export function requireChatSearcher(method: string, env: MethodEnv): ChatModel {
  const { searcher } = env;
  if (searcher === undefined) throw new Error(`method ${method} needs a searcher model (env.searcher, --searcher <dir|url>)`);
  if (isLabSearcher(searcher)) throw new Error(`method ${method} needs an instruction-following chat model as its searcher; ${searcher.dir} is a lab model (it runs only the method it was trained for)`);
  return searcher;
}
