/**
 * BM25 over an in-memory inverted index, scored as Lucene's BM25Similarity does
 * (idf = ln(1 + (N − df + 0.5) / (df + 0.5)), tf part = tf / (tf + k1·(1 − b + b·dl/avgdl)))
 * with Pyserini's defaults k1 = 0.9, b = 0.4. Title and text are indexed together, as
 * Pyserini indexes the `contents` field.
 *
 * @example
 * ```ts
 * const index = Bm25Index.build([{ id: '1', title: 'Ostrava', text: 'A city on the Vessa River.' }]);
 * const [hits] = await index.search(['Which river flows through Ostrava?'], 3);
 * ```
 */
import { analyze } from '../text/analyzer.js';
import type { Hit, IndexedDoc, Retriever } from './types.js';

export interface Bm25Options {
  k1?: number;
  b?: number;
}

interface Postings {
  docs: number[];
  freqs: number[];
}

export class Bm25Index implements Retriever {
  private constructor(
    private readonly docs: IndexedDoc[],
    private readonly postings: Map<string, Postings>,
    private readonly lengths: Uint32Array,
    private readonly avgdl: number,
    private readonly k1: number,
    private readonly b: number,
  ) {}

  static build(docs: Iterable<IndexedDoc>, options: Bm25Options = {}): Bm25Index {
    const stored: IndexedDoc[] = [];
    const postings = new Map<string, Postings>();
    const lengths: number[] = [];
    for (const doc of docs) {
      const n = stored.length;
      stored.push(doc);
      const terms = analyze(`${doc.title}\n${doc.text}`);
      lengths.push(terms.length);
      const counts = new Map<string, number>();
      for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [term, freq] of counts) {
        let list = postings.get(term);
        if (!list) postings.set(term, (list = { docs: [], freqs: [] }));
        list.docs.push(n);
        list.freqs.push(freq);
      }
    }
    const avgdl = lengths.reduce((sum, len) => sum + len, 0) / Math.max(1, lengths.length);
    return new Bm25Index(stored, postings, Uint32Array.from(lengths), avgdl, options.k1 ?? 0.9, options.b ?? 0.4);
  }

  get size(): number {
    return this.docs.length;
  }

  async search(queries: string[], k: number): Promise<Hit[][]> {
    return queries.map((q) => this.searchOne(q, k));
  }

  /** The top `k` hits for one query (terms are OR-ed, a repeated query term counts again, as in Lucene). */
  searchOne(query: string, k: number): Hit[] {
    const n = this.docs.length;
    if (n === 0 || k <= 0) return [];
    const scores = new Float64Array(n);
    const touched: number[] = [];
    for (const term of analyze(query)) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.docs.length + 0.5) / (list.docs.length + 0.5));
      for (let i = 0; i < list.docs.length; i++) {
        const doc = list.docs[i] as number;
        const tf = list.freqs[i] as number;
        const norm = this.k1 * (1 - this.b + (this.b * (this.lengths[doc] as number)) / this.avgdl);
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] = (scores[doc] as number) + (idf * tf) / (tf + norm);
      }
    }
    // Ties go to the lower document number, as Lucene's collector does.
    touched.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
    return touched.slice(0, k).map((doc) => ({ ...(this.docs[doc] as IndexedDoc), score: scores[doc] as number }));
  }
}
