/**
 * The English analyzer under Pyserini's BM25 indexes (Anserini's DefaultEnglishAnalyzer, the same
 * chain as Lucene's EnglishAnalyzer): StandardTokenizer (UAX#29 words) → EnglishPossessiveFilter
 * (drops a trailing 's, ’s or ＇s) → LowerCaseFilter (per code point, as Java's
 * Character.toLowerCase) → StopFilter (Lucene's English stop words) → PorterStemFilter.
 * On the whole lab corpus it yields Lucene's terms token for token (test/retrieval/lucene-agreement.test.ts).
 *
 * @example
 * ```ts
 * analyze("The founder's cities were founded"); // ['founder', 'citi', 'were', 'found']
 * ```
 */
import { porterStem } from './porter-stemmer.js';
import { standardTokenize } from './standard-tokenizer.js';

/** Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not', 'of',
  'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with',
]);

// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7F]*$/;
const POSSESSIVE_APOSTROPHES = new Set(["'", '\u2019', '\uFF07']);

/** EnglishPossessiveFilter: strips a final apostrophe + s (either case), before lowercasing. */
function stripPossessive(token: string): string {
  const s = token.charCodeAt(token.length - 1);
  if (token.length >= 2 && (s === 0x73 || s === 0x53) && POSSESSIVE_APOSTROPHES.has(token.charAt(token.length - 2))) {
    return token.slice(0, -2);
  }
  return token;
}

/**
 * Java's Character.toLowerCase per code point. String.prototype.toLowerCase differs on two
 * points: it maps a final capital sigma to ς by context, and İ to "i̇" (two code points).
 */
function lowerCase(token: string): string {
  if (ASCII_ONLY.test(token)) return token.toLowerCase();
  let out = '';
  for (const ch of token) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

// Stemming is the costly step and words repeat: a bounded memo keeps it off the hot path.
const STEM_CACHE_LIMIT = 1 << 18;
let stemCache = new Map<string, string>();

function stem(word: string): string {
  let stemmed = stemCache.get(word);
  if (stemmed === undefined) {
    stemmed = porterStem(word);
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache = new Map();
    stemCache.set(word, stemmed);
  }
  return stemmed;
}

/** Lowercased word tokens (possessives stripped), before stop words and stemming. */
export function tokenizeWords(text: string): string[] {
  return standardTokenize(text).map((token) => lowerCase(stripPossessive(token)));
}

/** The analyzed terms of `text`, in order, for indexing and querying alike. */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const token of standardTokenize(text)) {
    const word = lowerCase(stripPossessive(token));
    if (!ENGLISH_STOP_WORDS.has(word)) terms.push(stem(word));
  }
  return terms;
}
