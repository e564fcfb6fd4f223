/**
 * Evaluation methods: a name, and a function from questions to the generator's contexts
 * (`RewardTrajectory` records). Every method is scored by the same generator and GenAcc, so only
 * the context differs. A registry maps names to methods; `agent/` registers the searcher methods
 * (s3, Search-R1, …) into it, and the two baselines that need no searcher live here.
 *
 * @example
 * ```ts
 * import { defaultMethodRegistry, MethodRegistry, type EvalMethod } from '@s3lab/toolkit';
 * const gold: EvalMethod = { name: 'oracle', description: 'the golden answer as context', needsRetriever: false,
 *   run: async (questions) => questions.map((q) => ({ question: q.question, goldenAnswers: q.golden_answers,
 *     context: `Doc 1 (Title: answer)\n${q.golden_answers[0]}\n\n`, documents: 1, searcherTokens: 0, turns: 0 })) };
 * const registry = new MethodRegistry([...defaultMethodRegistry.all(), gold]);
 * registry.get('naive-rag').description;
 * ```
 */
import type { QaRecord } from '../data/formats/qa.js';
import type { ChatModel } from '../llm/types.js';
import type { Retriever } from '../retrieval/types.js';
import { naiveRagContext, type RagContextFormat } from '../reward/naive-rag.js';
import type { RewardTrajectory } from '../reward/types.js';
import { scriptedSearcher } from '../agent/methods.js';
import { evalMethodFromContextMethod } from './agent-methods.js';

/** What a method may use besides its own models. */
export interface MethodContext {
  /** Present when the run has an index; methods with `needsRetriever` get one. */
  retriever?: Retriever;
  /** Passages per retrieval for methods without their own setting (default 3, the original's generator context). */
  k: number;
  /** The frozen generator (methods that condense documents with it, as Search-o1, may use it). */
  generator: ChatModel;
}

export interface EvalMethod {
  name: string;
  description: string;
  needsRetriever: boolean;
  /** The generator gets the zero-shot prompt (no context message) instead of the context prompt. */
  zeroShot?: boolean;
  /** One trajectory per question, in order. */
  run(questions: readonly QaRecord[], context: MethodContext): Promise<RewardTrajectory[]>;
}

/** Methods by name; `get` of an unknown name throws listing the known ones. */
export class MethodRegistry {
  private readonly methods = new Map<string, EvalMethod>();

  constructor(methods: Iterable<EvalMethod> = []) {
    for (const method of methods) this.register(method);
  }

  /** Adds a method; a second method with the same name replaces the first (so agent/ can override a baseline). */
  register(method: EvalMethod): this {
    if (!/^[a-z0-9][a-z0-9._+-]*$/u.test(method.name)) throw new RangeError(`method name ${JSON.stringify(method.name)}: use lowercase letters, digits and . _ + -`);
    this.methods.set(method.name, method);
    return this;
  }

  get(name: string): EvalMethod {
    const method = this.methods.get(name);
    if (!method) throw new RangeError(`unknown method ${JSON.stringify(name)}; known: ${this.names().join(', ')}`);
    return method;
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  names(): string[] {
    return [...this.methods.keys()];
  }

  all(): EvalMethod[] {
    return [...this.methods.values()];
  }
}

/** No retrieval: the generator answers from its own knowledge (the zero-shot prompt). */
export const noRetrievalMethod: EvalMethod = {
  name: 'no-retrieval',
  description: 'direct answer, no context (zero-shot prompt)',
  needsRetriever: false,
  zeroShot: true,
  run: async (questions) => questions.map((q) => ({ question: q.question, goldenAnswers: q.golden_answers, context: '', documents: 0, searcherTokens: 0, turns: 0 })),
};

/**
 * Naive RAG: the top k passages of the question itself, in the format of the original's naive-RAG
 * contexts by default (see `naiveRagContext`).
 */
export function naiveRagMethod(options: { name?: string; k?: number; format?: RagContextFormat } = {}): EvalMethod {
  return {
    name: options.name ?? 'naive-rag',
    description: `top-${options.k ?? 'k'} passages of the question (no searcher)`,
    needsRetriever: true,
    run: async (questions, context) => {
      const k = options.k ?? context.k;
      if (!context.retriever) throw new Error('naive-rag needs a retriever (an index)');
      const hits = await context.retriever.search(questions.map((q) => q.question), k);
      return questions.map((q, i) => {
        const top = (hits[i] ?? []).slice(0, k);
        return { question: q.question, goldenAnswers: q.golden_answers, context: naiveRagContext(top, options.format), documents: top.length, searcherTokens: 0, turns: 0 };
      });
    },
  };
}

/** The methods s3lab knows without a searcher: `no-retrieval` and `naive-rag`. */
/** The methods `s3lab eval` knows without a searcher model: no retrieval, naive RAG, and the scripted searcher (the s3 stand-in). */
export const defaultMethodRegistry = new MethodRegistry([noRetrievalMethod, naiveRagMethod(), evalMethodFromContextMethod(scriptedSearcher)]);
