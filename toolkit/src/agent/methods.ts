/**
 * The context methods by name, for `--methods naive-rag,s3,scripted,…`.
 *
 * @example
 * ```ts
 * const [method] = contextMethods(['scripted']);
 * const trajectories = await method!.run(['Who founded Cuga Records?'], { retriever });
 * ```
 */
import { deepRetrieval, ircot, naiveRag, noRetrieval, searchO1, searchR1 } from './baselines/index.js';
import { requireModel, type ContextMethod } from './method.js';
import { runScriptedSearcher } from './scripted/scripted-searcher.js';
import { runSearcher } from './searcher/loop.js';

export const s3Searcher: ContextMethod = {
  name: 's3',
  description: 's3 searcher: a model searches, selects documents and stops (preset docs-turns-kept)',
  needsModel: true,
  run: (questions, o) => runSearcher({
    questions, model: requireModel('s3', o), retriever: o.retriever, preset: o.preset, retrieverKind: o.retrieverKind,
    template: o.template, temperature: o.temperature, maxTokens: o.maxTokens, seed: o.seed,
  }),
};

export const scriptedSearcher: ContextMethod = {
  name: 'scripted',
  description: 'scripted searcher: the s3 protocol with a rule-based follow-up query (no model)',
  needsModel: false,
  run: (questions, o) => runScriptedSearcher({ questions, retriever: o.retriever, preset: o.preset, retrieverKind: o.retrieverKind }),
};

export const CONTEXT_METHODS: readonly ContextMethod[] = [noRetrieval, naiveRag, s3Searcher, scriptedSearcher, searchR1, ircot, searchO1, deepRetrieval];

/** Methods by name, in the order given; throws naming the known ones on an unknown name. */
export function contextMethods(names: readonly string[]): ContextMethod[] {
  return names.map((name) => {
    const method = CONTEXT_METHODS.find((m) => m.name === name.trim());
    if (!method) throw new RangeError(`unknown context method ${JSON.stringify(name)}; known: ${CONTEXT_METHODS.map((m) => m.name).join(', ')}`);
    return method;
  });
}
