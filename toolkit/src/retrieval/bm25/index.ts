export { Bm25Index, bm25ParametersSchema, bm25SearchOptionsSchema, bm25OpenOptionsSchema } from './searcher.js';
export type { Bm25Document, Bm25Options, Bm25OpenOptions } from './searcher.js';
export { buildBm25Index, saveBm25Index, buildBm25OptionsSchema } from './build.js';
export type { BuildBm25Options, BuildBm25Result } from './build.js';
export { parseQuery, bagOfWords } from './query.js';
export type { ParsedQuery, QueryNode, QuerySyntax, TermClause, BooleanClause } from './query.js';
export { lengthToNorm, normToLength, idf as bm25Idf, normInverseTable, bm25Weight, bm25TermScore, averageLength } from './similarity.js';
export type { Bm25Stats } from './index-data.js';

import { Bm25Index, type Bm25OpenOptions } from './searcher.js';

/**
 * Opens an index directory written by {@link buildBm25Index} (the same as `Bm25Index.open`).
 *
 * @example
 * ```ts
 * const index = await openBm25Index('/tmp/lab-bm25');
 * const [hits] = await index.search(['Where was Maren Talvik born?'], 5);
 * await index.close();
 * ```
 */
export function openBm25Index(dir: string, options: Bm25OpenOptions = {}): Promise<Bm25Index> {
  return Bm25Index.open(dir, options);
}
