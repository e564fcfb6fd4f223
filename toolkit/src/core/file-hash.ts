/**
 * The SHA-256 of a file, streamed (a corpus or a model need not fit in one buffer twice), as
 * the lowercase hex that `sha256sum` prints: manifests record it so that a shipped artifact can
 * be checked against the files it was made from.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * @example
 * ```ts
 * await sha256File('datasets/lab/corpus.jsonl'); // '3545fafa…' (datasets/lab/manifest.json lists it too)
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
