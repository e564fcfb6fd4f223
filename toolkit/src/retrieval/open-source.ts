/**
 * A retriever from one string, the way every s3lab command and job names one: an http(s) URL of
 * a retrieval server (`s3lab serve retriever` or the original's), an index directory
 * (`s3lab index bm25|dense`), or a corpus JSONL file indexed with BM25 in memory (seconds for the
 * lab world). The string is the retriever's description: a worker thread given it opens the same
 * retriever.
 *
 * @example
 * ```ts
 * import { openRetrieverSource } from '@s3lab/toolkit';
 * const { retriever, kind, close } = await openRetrieverSource('datasets/lab/corpus.jsonl'); // kind 'bm25'
 * const [hits] = await retriever.search(['Who founded Cuga Records?'], 3);
 * await close();
 * ```
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../core/input-error.js';
import { isUrl } from '../core/is-url.js';
import { readCorpus } from '../data/formats/corpus.js';
import { Bm25Index } from './bm25/index.js';
import { RetrieverClient } from './client.js';
import { openRetriever } from './open-index.js';
import type { Retriever } from './types.js';

export interface OpenedRetrieverSource {
  retriever: Retriever;
  /** `undefined` for a server (it does not say); the s3 prompt asks for Boolean queries only for `bm25`. */
  kind: 'dense' | 'bm25' | undefined;
  name: string;
  close(): Promise<void>;
}

/** Opens `source`; `label` names it in errors (e.g. the CLI flag `--retriever`). */
export async function openRetrieverSource(source: string, label = 'retriever'): Promise<OpenedRetrieverSource> {
  if (isUrl(source)) return { retriever: new RetrieverClient(source), kind: undefined, name: source, close: async () => undefined };
  const info = await stat(source).catch(() => undefined);
  if (info?.isDirectory()) {
    const opened = await openRetriever(source).catch((error: Error) => {
      throw new InputError(`cannot open ${label} ${source}: ${error.message}`);
    });
    return { retriever: opened.retriever, kind: opened.kind, name: opened.name, close: () => opened.close() };
  }
  if (info?.isFile()) {
    const documents = await readCorpus(source).toArray().catch((error: Error) => {
      throw new InputError(`cannot read ${label} ${source} as a corpus JSONL: ${error.message}`);
    });
    const index = Bm25Index.build(documents);
    return { retriever: index, kind: 'bm25', name: `bm25 of ${source} (in memory)`, close: () => index.close() };
  }
  throw new InputError(`${label} ${source}: expected a retrieval server URL, an index directory or a corpus JSONL file`);
}
