/**
 * No retrieval: the generator answers from its own knowledge (the "zero-shot" direct answer of the
 * s3 evaluation). The context is empty.
 */
import type { ContextMethod } from '../method.js';
import { docsTrajectory } from './common.js';

export const noRetrieval: ContextMethod = {
  name: 'no-retrieval',
  description: 'no context: the generator answers directly',
  needsModel: false,
  async run(questions) {
    return questions.map((question) => docsTrajectory({ method: 'no-retrieval', question, docs: [] }));
  },
};
