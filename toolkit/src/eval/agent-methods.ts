/**
 * The agent's context methods (agent/: the scripted and s3 searchers, the baselines) as methods of
 * the evaluation harness: the method builds each question's context, the harness's frozen
 * generator answers from it and GenAcc scores it, so only the context differs between methods.
 *
 * @example
 * ```ts
 * import { evalMethodFromContextMethod, scriptedSearcher } from '@s3lab/toolkit';
 * const scripted = evalMethodFromContextMethod(scriptedSearcher, { preset: '8-3-3' });
 * ```
 */
import type { ContextMethod, ContextMethodOptions } from '../agent/method.js';
import type { EvalMethod } from './methods.js';

export function evalMethodFromContextMethod(method: ContextMethod, options: Partial<Omit<ContextMethodOptions, 'retriever'>> = {}): EvalMethod {
  return {
    name: method.name,
    description: method.description,
    needsRetriever: true,
    run: async (questions, context) => {
      if (context.retriever === undefined) throw new Error(`method ${method.name} needs a retriever (--index)`);
      const trajectories = await method.run(questions.map((q) => q.question), { k: context.k, ...options, retriever: context.retriever });
      return trajectories.map((t, i) => ({
        question: questions[i]?.question ?? t.question,
        goldenAnswers: questions[i]?.golden_answers ?? [],
        context: t.context,
        documents: t.counts.documents,
        searcherTokens: t.counts.searcherTokens,
        turns: t.counts.turns,
      }));
    },
  };
}
