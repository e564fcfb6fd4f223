/**
 * Retrieved passages as the s3 clients print them inside `<information>`: one line
 * `Doc {i}(Title: {title}) {text}` per hit (i from 1), the title being the first line of the
 * corpus `contents` as stored (wiki-18 and the lab world quote it, and the clients keep the quotes).
 * The naive-RAG precompute writes `Doc {i} (Title: ...)` with a space; both parse alike.
 */
import { stripLikePython } from '../text/normalize.js';
import type { Hit } from '../retrieval/types.js';

/** A retrieved document as a trajectory stores it: the title exactly as printed in its Doc line. */
export interface RetrievedDoc {
  id: string;
  /** The first line of `contents` (quotes kept), i.e. what follows `Title: ` in the Doc line. */
  title: string;
  text: string;
  score: number;
}

/**
 * The printed form of a hit: title = first line of `contents`, text = the rest. A retriever that
 * does not return `contents` gets its title quoted, as wiki-18 and the lab world write it.
 *
 * @example
 * ```ts
 * toRetrievedDoc({ id: '7', title: 'Paris', text: 'Capital.', score: 1, contents: '"Paris"\nCapital.' });
 * // { id: '7', title: '"Paris"', text: 'Capital.', score: 1 }
 * ```
 */
export function toRetrievedDoc(hit: Hit): RetrievedDoc {
  if (hit.contents !== undefined) {
    const newline = hit.contents.indexOf('\n');
    const title = newline < 0 ? hit.contents : hit.contents.slice(0, newline);
    const text = newline < 0 ? '' : hit.contents.slice(newline + 1);
    return { id: hit.id, title, text, score: hit.score };
  }
  return { id: hit.id, title: `"${hit.title}"`, text: hit.text, score: hit.score };
}

/** The title without one pair of surrounding double quotes (how the generator sees it). */
export function plainTitle(title: string): string {
  return title.replace(/^"(.*)"$/su, '$1');
}

/**
 * The Doc lines of a result list, each ending in a newline (the original `_passages2string`).
 * `spaced` writes `Doc 1 (Title: …)` as the naive-RAG precompute does.
 *
 * @example
 * ```ts
 * formatDocLines([{ id: '7', title: '"Paris"', text: 'Capital.', score: 1 }]); // 'Doc 1(Title: "Paris") Capital.\n'
 * ```
 */
export function formatDocLines(docs: readonly RetrievedDoc[], options: { spaced?: boolean } = {}): string {
  const gap = options.spaced ? ' ' : '';
  return docs.map((doc, i) => `Doc ${i + 1}${gap}(Title: ${doc.title}) ${doc.text}\n`).join('');
}

/** The environment's answer to a query: the Doc lines, stripped, inside `<information>` (the original's spacing). */
export function informationObservation(docs: readonly RetrievedDoc[]): string {
  return `\n\n<information>${stripLikePython(formatDocLines(docs))}</information>\n\n`;
}
