/**
 * The naive-RAG context (the top-k passages of the question, in the original's document lines) —
 * what the RAG cache's answers were given. It is written once, beside the `naive-rag` method in
 * `agent/baselines/naive-rag.ts`, so the baseline and the cache cannot drift apart; this module
 * is its place in the reward's public face.
 *
 * @example
 * ```ts
 * import { naiveRagContext } from '@s3lab/toolkit';
 * const hits = [{ id: '7', title: 'Dusstad', text: 'Dusstad was founded in 1282.', score: 3.1, contents: '"Dusstad"\nDusstad was founded in 1282.' }];
 * naiveRagContext(hits); // 'Doc 1 (Title: "Dusstad") Dusstad was founded in 1282.\n'
 * ```
 */
export { naiveRagContext, type RagContextFormat } from '../agent/baselines/naive-rag.js';
