/**
 * The DPR/DrQA `SimpleTokenizer` as Pyserini ships it (`pyserini/eval/evaluate_dpr_retrieval.py`),
 * the tokenizer behind s3's span match (`has_answers`).
 *
 * A token is a run of letters, digits and combining marks, or else any single character that is
 * neither a separator (\p{Z}) nor a control/format/unassigned/private-use/surrogate character
 * (\p{C}). The original compiles this with IGNORECASE|UNICODE|MULTILINE; none of those flags
 * changes what these classes match (checked code point by code point against the `regex` module
 * over Unicode 14), so no flag but `u` is needed here.
 *
 * @example
 * ```ts
 * simpleTokenize("Don't stop!"); // ['don', "'", 't', 'stop', '!']
 * ```
 */

const TOKEN = /[\p{L}\p{N}\p{M}]+|[^\p{Z}\p{C}]/gu;

/**
 * The lowercased tokens of `text`, i.e. `SimpleTokenizer().tokenize(text).words(uncased=True)`.
 * Each token is lowercased on its own, as the original does (this only matters for the Greek
 * final sigma, whose form depends on the neighbouring letters).
 *
 * @example
 * ```ts
 * simpleTokenize('Café au lait, 3.5€'); // ['café', 'au', 'lait', ',', '3', '.', '5', '€']
 * ```
 */
export function simpleTokenize(text: string): string[] {
  return Array.from(text.matchAll(TOKEN), (match) => match[0].toLowerCase());
}
