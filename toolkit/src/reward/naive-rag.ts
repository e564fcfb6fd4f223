/**
 * The naive-RAG context: the top-k passages retrieved for the question itself. The original builds
 * it once per question (`scripts/data_process/e5_retrieval.py`, top 12) as lines
 * `Doc {i} (Title: {first line of contents}) {rest of contents}\n` and hands the generator the part
 * before `Doc {k+1}` (`scripts/evaluation/context.py`, k = 3), both for the RAG cache and for the
 * naive-RAG baseline. s3lab keeps that format by default (`'original'`) and can give the searcher's
 * format instead (`'generator'`: `formatGeneratorContext`, title and text on separate lines).
 *
 * @example
 * ```ts
 * import { naiveRagContext } from '@s3lab/toolkit';
 * const hits = [{ id: '7', title: 'Dusstad', text: 'Dusstad was founded in 1282.', score: 3.1, contents: '"Dusstad"\nDusstad was founded in 1282.' }];
 * naiveRagContext(hits); // 'Doc 1 (Title: "Dusstad") Dusstad was founded in 1282.\n'
 * ```
 */
import { formatGeneratorContext } from '../agent/selected-docs.js';
import type { Hit } from '../retrieval/types.js';

/** `original`: the original's document lines; `generator`: the s3 generator-context format. */
export type RagContextFormat = 'original' | 'generator';

/** The naive-RAG context string of one question's hits (already cut to top k by the caller). */
export function naiveRagContext(hits: readonly Hit[], format: RagContextFormat = 'original'): string {
  if (format === 'generator') return formatGeneratorContext(hits.map(({ title, text }) => ({ title, text })));
  return hits.map((hit, i) => {
    // The original splits the stored contents: title = first line as stored (quotes kept), text = the rest.
    const contents = hit.contents ?? `${hit.title}\n${hit.text}`;
    const newline = contents.indexOf('\n');
    const title = newline < 0 ? contents : contents.slice(0, newline);
    const text = newline < 0 ? '' : contents.slice(newline + 1);
    return `Doc ${i + 1} (Title: ${title}) ${text}\n`;
  }).join('');
}
