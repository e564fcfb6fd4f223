/**
 * An English analyzer in the manner of Lucene's EnglishAnalyzer (the analyzer under Pyserini's
 * BM25 indexes): word tokens, possessive 's removed, lowercased, Lucene's English stop words
 * dropped, Porter stemming.
 *
 * @example
 * ```ts
 * analyze("The founder's cities were founded"); // ['founder', 'citi', 'were', 'found']
 * ```
 */
import { stemmer } from 'stemmer';

/** Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not', 'of',
  'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with',
]);

// Letters, marks and digits, with inner apostrophes kept ("o'neil"), as Unicode word segmentation does.
const WORD = /[\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}\p{N}_]+)*/gu;

/** Lowercased word tokens, before stop words and stemming. */
export function tokenizeWords(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** The analyzed terms of `text`, in order, for indexing and querying alike. */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (let token of tokenizeWords(text)) {
    if (token.endsWith("'s") || token.endsWith('’s')) token = token.slice(0, -2);
    if (token.length === 0 || ENGLISH_STOP_WORDS.has(token)) continue;
    terms.push(stemmer(token));
  }
  return terms;
}
