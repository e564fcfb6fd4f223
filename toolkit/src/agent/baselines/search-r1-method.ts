/**
 * The `search-r1` method: Search-R1's loop with the environment's searcher writing the turns — a
 * chat model with the full prompt, or a lab Search-R1 model (greedy, the lab prompt).
 */
import { isLabSearcher, requireLabMethod, runLabSearcher } from '../lab-searcher/loaded.js';
import { requireRetriever, type Method } from '../method.js';
import { modelPolicy } from '../searcher/policy.js';
import { runSearchR1 } from './search-r1.js';

export const searchR1: Method = {
  name: 'search-r1',
  description: 'Search-R1-style agent (<search>, <information>, <answer>); its retrieved documents go to the generator; a chat model or a lab Search-R1 model',
  needs: { retriever: true, searcher: 'any' },
  async run(questions, env) {
    const retriever = requireRetriever('search-r1', env);
    const { searcher, sampling } = env;
    if (searcher === undefined) throw new Error('method search-r1 needs a searcher model (env.searcher, --searcher <dir|url>)');
    if (isLabSearcher(searcher)) return runLabSearcher(requireLabMethod(searcher, 'search-r1'), questions, { retriever, method: 'search-r1', k: env.k });
    return runSearchR1({ questions, retriever, k: env.k, policy: modelPolicy(searcher, sampling ?? {}), meta: { model: searcher.name } });
  },
};
