/**
 * Dense retrieval behind the project's `Retriever` interface: query texts → encoder →
 * FAISS search → hits with the passage's title and text, as s3's e5 retrieval server does.
 */
import { z } from 'zod';
import { splitContents, type CorpusDocument } from '../../data/formats/corpus.js';
import type { Hit, Retriever } from '../types.js';
import type { VectorIndex } from './flat-scan.js';
import { encodeChecked, type EncodeTexts } from './encode.js';
import { packRows } from './vectors.js';

/**
 * The passages of the index's rows: the corpus in row order (e.g. the lab world's
 * `corpus`), or a function that fetches some rows (e.g. from a file by offset).
 */
export type PassageLookup =
  | readonly CorpusDocument[]
  | ((rows: readonly number[]) => readonly CorpusDocument[] | Promise<readonly CorpusDocument[]>);

/** Options of {@link DenseRetriever}. */
export interface DenseRetrieverOptions {
  /** FAISS (`DenseIndex`) or the tfjs flat scan (`FlatScanIndex`, on the GPU or streamed from disk). */
  index: VectorIndex;
  /** Encodes the queries; must be the encoder the index was built with. */
  encode: EncodeTexts;
  /** Row → passage. Its ids must match the index's (checked on every hit). */
  passages: PassageLookup;
  /** Put before each query: e5 wants "query: " (the s3 server adds it); default ''. */
  queryPrefix?: string;
}

const kSchema = z.number().int().min(0);

/**
 * @example
 * ```ts
 * import { DenseIndex, DenseRetriever, generateLabWorld } from '@s3lab/toolkit';
 * const lab = generateLabWorld({ seed: 1 });
 * const retriever = new DenseRetriever({ index: await DenseIndex.load('indexes/lab-e5'), encode, passages: lab.corpus, queryPrefix: 'query: ' });
 * const [hits] = await retriever.search(['Who founded Lake Town?'], 3); // [{ id, title, text, score, contents }, …]
 * ```
 */
export class DenseRetriever implements Retriever {
  readonly index: VectorIndex;
  readonly #encode: EncodeTexts;
  readonly #passages: PassageLookup;
  readonly #queryPrefix: string;

  constructor(options: DenseRetrieverOptions) {
    this.index = options.index;
    this.#encode = options.encode;
    this.#passages = options.passages;
    this.#queryPrefix = options.queryPrefix ?? '';
  }

  /**
   * The top `k` passages of each query, best first (fewer when the index holds fewer).
   *
   * @example
   * ```ts
   * const [hits] = await retriever.search(['capital of France'], 5);
   * console.log(hits?.[0]?.title);
   * ```
   */
  async search(queries: string[], k: number): Promise<Hit[][]> {
    kSchema.parse(k);
    if (queries.length === 0) return [];
    const vectors = await encodeChecked(this.#encode, queries.map((q) => this.#queryPrefix + q), this.index.dimension);
    const matches = await this.index.searchVectors(packRows(vectors, this.index.dimension), queries.length, k);
    const rows = [...new Set(matches.flat().map((m) => m.row))];
    const passages = await this.lookup(rows);
    return matches.map((list) => list.map(({ row, id, score }) => {
      const passage = passages.get(row) as CorpusDocument;
      if (passage.id !== id) throw new Error(`row ${row} of the index is passage ${JSON.stringify(id)}, but the corpus has ${JSON.stringify(passage.id)} there: index and corpus do not match`);
      return { id, ...splitContents(passage.contents), score, contents: passage.contents };
    }));
  }

  private async lookup(rows: number[]): Promise<Map<number, CorpusDocument>> {
    const source = this.#passages;
    const found = typeof source === 'function' ? await source(rows) : rows.map((row) => source[row]);
    if (found.length !== rows.length) throw new Error(`the passage lookup returned ${found.length} passages for ${rows.length} rows`);
    return new Map(rows.map((row, i) => {
      const passage = found[i];
      if (!passage) throw new RangeError(`no passage for row ${row} (the corpus is shorter than the index)`);
      return [row, passage];
    }));
  }
}
