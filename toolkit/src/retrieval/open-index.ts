/**
 * Index directories made by `s3lab index bm25|dense` describe themselves in `retriever.json`,
 * so that `s3lab serve retriever --index DIR` (and notebooks) open any of them in one call.
 *
 * @example
 * ```ts
 * const { retriever, documents, name } = await openRetriever('indexes/lab-bm25');
 * ```
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { readCorpus } from '../data/formats/corpus.js';
import { readJsonFile } from '../core/json-file.js';
import { loadEncoder } from '../models/index.js';
import { openBm25Index } from './bm25/index.js';
import { FlatScanIndex } from './dense/flat-scan.js';
import { openVectorIndex } from './dense/open-vector-index.js';
import { DenseRetriever } from './dense/retriever.js';
import type { Retriever } from './types.js';

export const RETRIEVER_FILE = 'retriever.json';

export const retrieverDescriptionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bm25') }),
  z.object({
    kind: z.literal('dense'),
    /** The corpus the passages are read from: an absolute path, or one relative to the index directory (a shipped index moves with its repository). */
    corpus: z.string(),
    /** The encoder directory: absolute, or relative to the index directory. */
    encoder: z.string(),
    queryPrefix: z.string(),
    passagePrefix: z.string(),
    maxLength: z.number().int().positive(),
  }),
]);
export type RetrieverDescription = z.infer<typeof retrieverDescriptionSchema>;

export async function writeRetrieverDescription(dir: string, description: RetrieverDescription): Promise<void> {
  await writeFile(join(dir, RETRIEVER_FILE), `${JSON.stringify(description, null, 2)}\n`);
}

export interface OpenedRetriever {
  retriever: Retriever;
  kind: RetrieverDescription['kind'];
  documents: number;
  name: string;
  close(): Promise<void>;
}

/** Opens the index in `dir` as a `Retriever`, whatever its kind. */
export async function openRetriever(dir: string): Promise<OpenedRetriever> {
  const description = await readJsonFile(join(dir, RETRIEVER_FILE), retrieverDescriptionSchema);
  if (!description) throw new Error(`${dir} has no ${RETRIEVER_FILE}: expected a directory made by "s3lab index bm25" or "s3lab index dense"`);
  if (description.kind === 'bm25') {
    const index = await openBm25Index(dir);
    return { retriever: index, kind: 'bm25', documents: index.size, name: `bm25 ${resolve(dir)}`, close: () => index.close() };
  }
  // An absolute path stays as it is; a relative one is read from the index directory.
  const encoderDir = resolve(dir, description.encoder);
  const [index, encoder, passages] = await Promise.all([
    openVectorIndex(dir),
    loadEncoder(encoderDir, { maxLength: description.maxLength }),
    readCorpus(resolve(dir, description.corpus)).toArray(),
  ]);
  const retriever = new DenseRetriever({ index, encode: (texts) => encoder.encode(texts), passages, queryPrefix: description.queryPrefix });
  return {
    retriever, kind: 'dense', documents: index.size, name: `dense ${resolve(dir)} (${encoderDir})`,
    close: async () => {
      await encoder.dispose();
      if (index instanceof FlatScanIndex) await index.dispose();
    },
  };
}
