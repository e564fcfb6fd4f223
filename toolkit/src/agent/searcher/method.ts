/**
 * The `s3` method: the s3 searcher loop with the environment's searcher writing the turns — a chat
 * model with the full s3 prompt (`runSearcher`), or a trained lab searcher with the lab prompt
 * (`runLabSearcher`, greedy, its own preset and initial documents unless the environment names a
 * preset).
 */
import { isLabSearcher, requireLabMethod, runLabSearcher } from '../lab-searcher/loaded.js';
import { requireRetriever, type Method } from '../method.js';
import { runSearcher } from './loop.js';

export const s3Searcher: Method = {
  name: 's3',
  description: 's3 searcher: a model searches, selects documents and stops (preset docs-turns-kept); a chat model or a trained lab searcher',
  needs: { retriever: true, searcher: 'any' },
  async run(questions, env) {
    const retriever = requireRetriever('s3', env);
    const { searcher, sampling } = env;
    if (searcher === undefined) throw new Error('method s3 needs a searcher model (env.searcher, --searcher <dir|url>)');
    if (isLabSearcher(searcher)) {
      return runLabSearcher(requireLabMethod(searcher, 's3'), questions, { retriever, preset: env.preset, retrieverKind: env.retrieverKind, maxTokens: sampling?.maxTokens });
    }
    return runSearcher({
      questions, model: searcher, retriever, preset: env.preset, retrieverKind: env.retrieverKind,
      template: sampling?.template, temperature: sampling?.temperature, maxTokens: sampling?.maxTokens, seed: sampling?.seed,
    });
  },
};
