/**
 * No retrieval: the generator answers from its own knowledge with its zero-shot prompt (the
 * "direct inference" of the s3 evaluation). The context is empty.
 */
import type { Method } from '../method.js';
import { docsTrajectory } from './common.js';

export const noRetrieval: Method = {
  name: 'no-retrieval',
  description: 'direct answer, no context (the generator\'s zero-shot prompt)',
  needs: { retriever: false, searcher: false },
  zeroShot: true,
  async run(questions) {
    return questions.map((question) => docsTrajectory({ method: 'no-retrieval', question, docs: [] }));
  },
};
