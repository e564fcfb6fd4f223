/**
 * A BM25 index you can search: built in memory from passages, or opened from a directory written
 * by {@link buildBm25Index}. Rankings and scores are Lucene's (Pyserini's defaults k1 = 0.9,
 * b = 0.4; see similarity.ts), queries are read as query.ts describes (bag of words, or AND / OR /
 * parentheses), and a batch runs on worker threads that share the index arrays.
 *
 * @example
 * ```ts
 * const index = Bm25Index.build([{ id: '1', contents: '"Ostrava"\nA city on the Vessa River.' }]);
 * const [hits] = await index.search(['Which river flows through Ostrava?'], 3);
 * ```
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { joinContents, splitContents } from '../../data/formats/corpus.js';
import type { Hit, IndexedDoc, Retriever } from '../types.js';
import { Bm25Builder } from './builder.js';
import { FileContents, MemoryContents, type ContentsSource } from './contents.js';
import { CONTENTS_FILE, readIndexFile } from './format.js';
import { docId, type Bm25Data, type Bm25Stats } from './index-data.js';
import { parseQuery } from './query.js';
import { Bm25Scorer } from './scorer.js';
import { SearchPool } from './pool.js';

/** A passage to index: a corpus line, or title and text already split (joined back as wiki-18 writes them). */
export type Bm25Document = { id: string; contents: string } | IndexedDoc;

export const bm25ParametersSchema = z.object({
  /** Term frequency saturation; Pyserini's default 0.9. */
  k1: z.number().min(0).default(0.9),
  /** Length normalisation; Pyserini's default 0.4. */
  b: z.number().min(0).max(1).default(0.4),
});

export const bm25SearchOptionsSchema = z.object({
  /** Threads for batches, this one included (default: the machine's cores, so cores − 1 workers); 0 or 1 searches in this thread only. */
  threads: z.number().int().min(0).default(() => availableParallelism()),
  /** Smallest batch sent to the threads; smaller ones run here, where a round trip would cost more than it saves. */
  minBatchForThreads: z.number().int().min(1).default(16),
  /** `boolean` (default): AND / OR / parentheses are honoured when a query has an operator; `bag-of-words`: every query is read as Pyserini reads it. */
  syntax: z.enum(['boolean', 'bag-of-words']).default('boolean'),
});

export const bm25OpenOptionsSchema = bm25SearchOptionsSchema.extend({
  /** contents.bin up to this size is read into memory at open; a larger one is read per hit. */
  preloadContentsBytes: z.number().int().min(0).default(512 * 2 ** 20),
});

export type Bm25Options = z.input<typeof bm25ParametersSchema> & z.input<typeof bm25SearchOptionsSchema>;
export type Bm25OpenOptions = z.input<typeof bm25OpenOptionsSchema>;

export class Bm25Index implements Retriever {
  private readonly scorer: Bm25Scorer;
  private pool: SearchPool | undefined;

  private constructor(
    private readonly data: Bm25Data,
    private readonly contents: ContentsSource,
    private readonly options: z.output<typeof bm25SearchOptionsSchema>,
  ) {
    this.scorer = new Bm25Scorer(data);
  }

  /** Builds an index in memory (lab worlds, tests); for a corpus file use {@link buildBm25Index}. */
  static build(docs: Iterable<Bm25Document>, options: Bm25Options = {}): Bm25Index {
    const builder = new Bm25Builder(bm25ParametersSchema.parse({ k1: options.k1, b: options.b }));
    const contents: string[] = [];
    for (const doc of docs) {
      const text = 'contents' in doc ? doc.contents : joinContents(doc.title, doc.text);
      builder.add(doc.id, text);
      contents.push(text);
    }
    return new Bm25Index(builder.finish(), new MemoryContents(contents), bm25SearchOptionsSchema.parse({ threads: options.threads, minBatchForThreads: options.minBatchForThreads, syntax: options.syntax }));
  }

  /** Opens an index directory written by {@link buildBm25Index}. */
  static async open(dir: string, options: Bm25OpenOptions = {}): Promise<Bm25Index> {
    const parsed = bm25OpenOptionsSchema.parse(options);
    const { data, contentsOffsets } = await readIndexFile(dir, parsed.threads > 1);
    const contents = await FileContents.open(join(dir, CONTENTS_FILE), contentsOffsets, parsed.preloadContentsBytes);
    return new Bm25Index(data, contents, parsed);
  }

  /** Passages in the index. */
  get size(): number {
    return this.data.stats.documents;
  }

  get stats(): Readonly<Bm25Stats> {
    return this.data.stats;
  }

  /** The index arrays (what {@link saveBm25Index} writes). */
  get arrays(): Readonly<Bm25Data> {
    return this.data;
  }

  /** The contents of doc number `doc` (corpus line order). */
  contentsOf(doc: number): string {
    return this.contents.get(doc);
  }

  /**
   * The top `k` hits of each query, best first. A batch of at least `minBatchForThreads` queries is
   * searched by the worker threads and this thread together (see pool.ts); smaller ones here.
   *
   * @example
   * ```ts
   * const [first, second] = await index.search(['Where was Maren Talvik born?', 'Ostrava AND river'], 10);
   * ```
   */
  async search(queries: string[], k: number): Promise<Hit[][]> {
    const { threads, minBatchForThreads, syntax } = this.options;
    if (threads <= 1 || queries.length < minBatchForThreads || k <= 0) return queries.map((q) => this.searchOne(q, k));
    // With n threads, n − 1 workers and the caller's thread search at once.
    this.pool ??= new SearchPool(shareable(this.data), threads - 1);
    const results = await this.pool.search(queries, k, syntax, (q) => this.scorer.topK(parseQuery(q, syntax).query, k));
    return results.map((r) => this.hits(r.docs, r.scores));
  }

  /**
   * The top `k` hits of one query, in this thread.
   *
   * @example
   * ```ts
   * const hits = index.searchOne('Which river flows through Ostrava?', 5);
   * ```
   */
  searchOne(query: string, k: number): Hit[] {
    const { docs, scores } = this.scorer.topK(parseQuery(query, this.options.syntax).query, k);
    return this.hits(docs, scores);
  }

  /** Stops the worker threads and closes contents.bin; searching again restarts the threads. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
    this.contents.close();
  }

  private hits(docs: number[], scores: number[]): Hit[] {
    return docs.map((doc, i) => {
      const contents = this.contents.get(doc);
      return { id: docId(this.data, doc), ...splitContents(contents), score: scores[i] as number, contents };
    });
  }
}

/** The index arrays in SharedArrayBuffers (copied once if they are not already), for the worker threads. */
function shareable(data: Bm25Data): Bm25Data {
  const out: Record<string, unknown> = { stats: data.stats };
  for (const [name, value] of Object.entries(data)) {
    if (!ArrayBuffer.isView(value)) continue;
    const array = value as unknown as Uint8Array;
    if (array.buffer instanceof SharedArrayBuffer) {
      out[name] = array;
      continue;
    }
    const Kind = array.constructor as new (buffer: SharedArrayBuffer) => Uint8Array;
    const copy = new Kind(new SharedArrayBuffer(array.byteLength));
    copy.set(array);
    out[name] = copy;
  }
  return out as unknown as Bm25Data;
}
