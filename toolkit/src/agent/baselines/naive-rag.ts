/**
 * Naive RAG: the top-k passages for the question itself (s3's reference point: GBR is measured
 * against it). Simplified: k is a parameter (default 3); the RAG cache's precompute is the reward
 * module's business.
 */
import { toRetrievedDoc } from '../doc-lines.js';
import type { ContextMethod } from '../method.js';
import { docsTrajectory, generatorDocs, turnRecord } from './common.js';

export const naiveRag: ContextMethod = {
  name: 'naive-rag',
  description: 'top-k passages of the question',
  needsModel: false,
  async run(questions, options) {
    const k = options.k ?? 3;
    const hits = await options.retriever.search([...questions], k);
    return questions.map((question, i) => {
      const retrieved = (hits[i] ?? []).map(toRetrievedDoc);
      return docsTrajectory({
        method: 'naive-rag', question,
        turns: [turnRecord({ action: 'search', query: question, retrieved })],
        docs: generatorDocs(retrieved), meta: { k },
      });
    });
  },
};
