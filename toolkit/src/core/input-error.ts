/**
 * An input the user named (a file, a directory, a URL, an option's value) is not what was
 * expected. Thrown by any layer; the CLI prints its message as one line and exits with 2, with
 * no stack trace, so the message must name the input and what was expected.
 *
 * @example
 * ```ts
 * throw new InputError('--retriever out/x: expected a retrieval server URL, an index directory or a corpus JSONL file');
 * ```
 */
export class InputError extends Error {
  override name = 'InputError';
}
