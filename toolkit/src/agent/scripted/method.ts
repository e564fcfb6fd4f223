/** The `scripted` method: the scripted searcher (the s3 protocol with rule-based moves, no model). */
import { requireRetriever, type Method } from '../method.js';
import { runScriptedSearcher } from './scripted-searcher.js';

export const scriptedSearcher: Method = {
  name: 'scripted',
  description: 'scripted searcher: the s3 protocol with a rule-based follow-up query (no model)',
  needs: { retriever: true, searcher: false },
  run: async (questions, env) => runScriptedSearcher({ questions, retriever: requireRetriever('scripted', env), preset: env.preset, retrieverKind: env.retrieverKind }),
};
