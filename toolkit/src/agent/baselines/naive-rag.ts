/**
 * Naive RAG: the top-k passages retrieved for the question itself — s3's reference point (GBR is
 * measured against it) and the RAG cache's context. The original builds it once per question
 * (`scripts/data_process/e5_retrieval.py`, top 12) as lines
 * `Doc {i} (Title: {first line of contents}) {rest of contents}\n` and hands the generator the part
 * before `Doc {k+1}` (`scripts/evaluation/context.py`, k = 3), both for the RAG cache and for the
 * naive-RAG baseline. s3lab keeps that format by default (`'original'`) and can give the searcher's
 * format instead (`'generator'`: `formatGeneratorContext`, title and text on separate lines).
 */
import { PAPER_SCALE } from '../../config/index.js';
import type { Hit } from '../../retrieval/types.js';
import { formatDocLines, plainTitle, type RetrievedDoc } from '../doc-lines.js';
import { requireRetriever, type Method } from '../method.js';
import { formatGeneratorContext } from '../selected-docs.js';
import { docsTrajectory, turnRecord } from './common.js';

/** `original`: the original's document lines; `generator`: the s3 generator-context format. */
export type RagContextFormat = 'original' | 'generator';

/**
 * A hit as the original's naive-RAG lines print it: title = the first line of the stored contents
 * (quotes kept), text = the rest; a hit without contents is read as `title\ntext`.
 *
 * @example
 * ```ts
 * ragDoc({ id: '7', title: 'Dusstad', text: 'Founded in 1282.', score: 3.1, contents: '"Dusstad"\nFounded in 1282.' });
 * // { id: '7', title: '"Dusstad"', text: 'Founded in 1282.', score: 3.1 }
 * ```
 */
export function ragDoc(hit: Hit): RetrievedDoc {
  const contents = hit.contents ?? `${hit.title}\n${hit.text}`;
  const newline = contents.indexOf('\n');
  const title = newline < 0 ? contents : contents.slice(0, newline);
  const text = newline < 0 ? '' : contents.slice(newline + 1);
  return { id: hit.id, title, text, score: hit.score };
}

/**
 * The naive-RAG context string of one question's hits (already cut to top k by the caller).
 *
 * @example
 * ```ts
 * const hits = [{ id: '7', title: 'Dusstad', text: 'Dusstad was founded in 1282.', score: 3.1, contents: '"Dusstad"\nDusstad was founded in 1282.' }];
 * naiveRagContext(hits); // 'Doc 1 (Title: "Dusstad") Dusstad was founded in 1282.\n'
 * ```
 */
export function naiveRagContext(hits: readonly Hit[], format: RagContextFormat = 'original'): string {
  if (format === 'generator') return formatGeneratorContext(hits.map(({ title, text }) => ({ title, text })));
  return formatDocLines(hits.map(ragDoc), { spaced: true });
}

export const naiveRag: Method = {
  name: 'naive-rag',
  description: 'naive RAG: the top-k passages of the question, in the original\'s document lines (no searcher)',
  needs: { retriever: true, searcher: false },
  async run(questions, env) {
    const retriever = requireRetriever('naive-rag', env);
    const k = env.k ?? PAPER_SCALE.naiveRagK;
    const hits = await retriever.search([...questions], k);
    return questions.map((question, i) => {
      const retrieved = (hits[i] ?? []).slice(0, k);
      const docs = retrieved.map(ragDoc);
      return docsTrajectory({
        method: 'naive-rag', question, protocol: 'rag',
        turns: [turnRecord({ action: 'search', query: question, retrieved: docs })],
        // Not de-duplicated: the generator reads all k lines, as in the original.
        docs: docs.map((d) => ({ title: plainTitle(d.title), text: d.text })),
        context: naiveRagContext(retrieved),
        meta: { k, contextFormat: 'original' },
      });
    });
  },
};
