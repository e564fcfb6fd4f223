/**
 * The texts e5 embeds, built as the s3 retriever builds them (s3/search/retrieval_server.py
 * and index_builder.py): a query is `query: ` + the query; a passage is `passage: ` + the
 * corpus line's `contents`, i.e. the title in double quotes on the first line, then the text
 * (index_builder.py writes `'"' + title + '"\n' + text`, which is wiki-18's `contents`).
 */
import { joinContents } from '../data/formats/corpus.js';

/** e5's query prefix. */
export const E5_QUERY_PREFIX = 'query: ';
/** e5's passage prefix. */
export const E5_PASSAGE_PREFIX = 'passage: ';

/**
 * The text e5 embeds for a search query.
 *
 * @example
 * ```ts
 * import { e5Query } from '@s3lab/toolkit';
 * e5Query('who founded Cuga Records?'); // 'query: who founded Cuga Records?'
 * ```
 */
export function e5Query(query: string): string {
  return E5_QUERY_PREFIX + query;
}

/**
 * The text e5 embeds for a passage given its title and text (split from `contents`).
 *
 * @example
 * ```ts
 * import { e5Passage } from '@s3lab/toolkit';
 * e5Passage('Paris', 'Paris is the capital of France.'); // 'passage: "Paris"\nParis is the capital of France.'
 * ```
 */
export function e5Passage(title: string, text: string): string {
  return E5_PASSAGE_PREFIX + joinContents(title, text);
}

/**
 * The text e5 embeds for a corpus line's `contents`, unchanged.
 *
 * @example
 * ```ts
 * import { e5PassageFromContents } from '@s3lab/toolkit';
 * e5PassageFromContents('"Paris"\nParis is the capital of France.'); // 'passage: "Paris"\nParis is the capital of France.'
 * ```
 */
export function e5PassageFromContents(contents: string): string {
  return E5_PASSAGE_PREFIX + contents;
}
