/**
 * Whether a source string names a server (http or https URL) rather than a file or directory:
 * retrievers, chat models and judges are all named this way.
 *
 * @example
 * ```ts
 * isUrl('http://127.0.0.1:8000'); // true
 * isUrl('datasets/lab/corpus.jsonl'); // false
 * ```
 */
export const isUrl = (source: string): boolean => /^https?:\/\//iu.test(source);
