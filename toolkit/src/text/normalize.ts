/**
 * SQuAD-style answer normalisation, bit-compatible with the `normalize_answer` of the s3 reward
 * code (pat-jj/s3, `verl/utils/reward_score/rag_2.py`), which runs on Python 3 `str`.
 *
 * Python and JavaScript disagree on what "whitespace" and "word character" mean, so the helpers
 * here spell out Python's definitions instead of relying on JS `\s`, `\b` or `trim()`.
 * `toLowerCase()` was checked against Python's `str.lower()` on every code point assigned in
 * Unicode 14 (Python 3.11's tables) and on Greek final-sigma contexts: no difference (both map
 * 'İ' to 'i̇', both apply the final-sigma rule). Code points assigned after the Unicode version of
 * the Python that produced the reference scores may be lowercased or classified differently.
 *
 * @example
 * ```ts
 * normalizeAnswer('The  Eiffel-Tower!'); // 'eiffeltower'
 * ```
 */

/**
 * The characters Python's `str.isspace()` accepts — what `str.split()`, `str.strip()` and `re`'s
 * `\s` use — as a regex character class. Unlike JS `\s` it includes U+001C–U+001F and U+0085
 * (NEL) and excludes U+FEFF (BOM).
 */
export const PYTHON_WHITESPACE_CLASS =
  '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

const WHITESPACE_RUN = new RegExp(`${PYTHON_WHITESPACE_CLASS}+`, 'u');

/**
 * Whether a UTF-16 code unit is Python whitespace (one of {@link PYTHON_WHITESPACE_CLASS}; all of
 * them are single code units).
 *
 * @example
 * ```ts
 * isPythonWhitespace('\u0085'.charCodeAt(0)); // true
 * isPythonWhitespace('\ufeff'.charCodeAt(0)); // false
 * ```
 */
export function isPythonWhitespace(code: number): boolean {
  if (code <= 0x20) return (code >= 0x09 && code <= 0x0d) || code >= 0x1c;
  if (code < 0x85) return false;
  return (
    code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a)
    || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000
  );
}

/**
 * Python's `s.split()` (no argument): the non-empty runs between whitespace.
 *
 * @example
 * ```ts
 * splitLikePython('  a\u0085b  c '); // ['a', 'b', 'c']
 * ```
 */
export function splitLikePython(text: string): string[] {
  return text.split(WHITESPACE_RUN).filter((part) => part.length > 0);
}

/**
 * Python's `s.strip()` (no argument): removes leading and trailing whitespace as Python defines it.
 *
 * @example
 * ```ts
 * stripLikePython('\u0085 text\n'); // 'text'
 * stripLikePython('\ufefftext'); // '\ufefftext' (a BOM is not whitespace to Python)
 * ```
 */
export function stripLikePython(text: string): string {
  // Index loops, not `/^\s+|\s+$/`: that regex tries the trailing alternative at every whitespace
  // run and rescans it to the run's end, quadratic in a long inner run.
  let start = 0;
  let end = text.length;
  while (start < end && isPythonWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

// Python's `string.punctuation`, i.e. exactly the 32 ASCII punctuation characters
// !"#$%&'()*+,-./ :;<=>?@ [\]^_` {|}~ — as ranges. Non-ASCII punctuation («», “”, —) is kept.
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

// Python's `re` treats a character as a word character when it is alphanumeric to `str.isalnum()`
// or '_': exactly [\p{L}\p{N}_] (checked over all of Unicode 14). Combining marks are NOT word
// characters there, so in "the\u0301" Python sees a word boundary after "the". JS `\b` is ASCII
// only, hence the explicit lookarounds.
const ARTICLE = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/**
 * SQuAD answer normalisation as the s3 evaluation does it: lowercase, drop ASCII punctuation,
 * replace the words a/an/the by a space, collapse whitespace to single spaces (trimmed).
 * The order matters: punctuation goes before articles, so "the-end" becomes "theend" (kept) and
 * "(the)" becomes "" (removed).
 *
 * @example
 * ```ts
 * normalizeAnswer('An Apple a day, the doctor…'); // 'apple day doctor…'
 * ```
 */
export function normalizeAnswer(text: string): string {
  const lowered = text.toLowerCase();
  const withoutPunctuation = lowered.replace(ASCII_PUNCTUATION, '');
  const withoutArticles = withoutPunctuation.replace(ARTICLE, ' ');
  return splitLikePython(withoutArticles).join(' ');
}
