/**
 * The `deep-retrieval` method: one rewrite of the question by the environment's searcher — a chat
 * model with the full prompt, or a lab rewriter (greedy, the lab prompt) — and its top k as the context.
 */
import { PAPER_SCALE } from '../../config/index.js';
import { isLabSearcher, requireLabMethod, runLabSearcher } from '../lab-searcher/loaded.js';
import { requireRetriever, type Method } from '../method.js';
import { modelPolicy } from '../searcher/policy.js';
import { runDeepRetrieval } from './deep-retrieval.js';

export const deepRetrieval: Method = {
  name: 'deep-retrieval',
  description: 'DeepRetrieval-style: the model rewrites the question into one BM25 query; a chat model or a lab rewriter',
  needs: { retriever: true, searcher: 'any' },
  async run(questions, env) {
    const retriever = requireRetriever('deep-retrieval', env);
    const { searcher } = env;
    if (searcher === undefined) throw new Error('method deep-retrieval needs a searcher model (env.searcher, --searcher <dir|url>)');
    // The rewritten query's top k replaces naive RAG's: same budget, a better query.
    const k = env.k ?? PAPER_SCALE.naiveRagK;
    if (isLabSearcher(searcher)) return runLabSearcher(requireLabMethod(searcher, 'deep-retrieval'), questions, { retriever, method: 'deep-retrieval', k });
    return runDeepRetrieval({ questions, retriever, k, policy: modelPolicy(searcher, { ...env.sampling, template: undefined, maxTokens: env.sampling?.maxTokens ?? 256 }), meta: { model: searcher.name } });
  },
};
