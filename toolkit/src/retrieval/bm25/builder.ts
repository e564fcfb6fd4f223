/**
 * Builds the arrays of a BM25 index one passage at a time. Each passage is analyzed as Pyserini
 * analyzes its `contents` field (the raw string, title line and quotes included), its term counts
 * are appended to three compact columns (term, doc, freq: 10 bytes per distinct term of a passage,
 * about 0.6 KiB per lab passage), and the text itself is not kept (the caller stores it).
 * `finish()` sorts the columns by term with a counting sort (stable, so each term's doc numbers
 * stay ascending) into the final arrays.
 */
import { analyze } from '../../text/analyzer.js';
import { Growable } from './growable.js';
import { compareCodePoints, FREQ_OVERFLOW, type Bm25Data } from './index-data.js';
import { lengthToNorm, normInverseTable, averageLength } from './similarity.js';

export interface Bm25Parameters {
  k1: number;
  b: number;
}

const encoder = new TextEncoder();

/**
 * One term's postings as the index stores them: each frequency as a byte in `into` (255: the real
 * value goes to `overflow`, by position), and the term's MaxScore bound, the largest
 * float32 freq · normInverse[norm of the doc].
 */
export function packFreqs(docs: Uint32Array, freqs: Uint32Array, scoring: { norms: Uint8Array; normInverse: Float32Array }, into: Uint8Array, overflow: (at: number, freq: number) => void): number {
  let maxTf = 0;
  for (let i = 0; i < freqs.length; i++) {
    const freq = freqs[i] as number;
    into[i] = Math.min(freq, FREQ_OVERFLOW);
    if (freq >= FREQ_OVERFLOW) overflow(i, freq);
    const tf = Math.fround(freq * (scoring.normInverse[scoring.norms[docs[i] as number] as number] as number));
    if (tf > maxTf) maxTf = tf;
  }
  return maxTf;
}

/** One sorted run of postings: term t's docs and freqs are [termStarts[t], termStarts[t + 1]). */
export interface Bm25Run {
  terms: string[];
  termStarts: Uint32Array;
  docs: Uint32Array;
  freqs: Uint32Array;
}

export class Bm25Builder {
  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly postingTerm: Growable<Uint32Array>;
  private readonly postingDoc: Growable<Uint32Array>;
  private readonly postingFreq: Growable<Uint16Array>;
  /** Frequencies that do not fit 16 bits, by posting number. */
  private readonly bigFreqs = new Map<number, number>();
  private readonly norms = new Growable(Uint8Array, 1 << 12);
  private readonly idBytes = new Growable(Uint8Array, 1 << 16);
  private readonly idOffsets = new Growable(Float64Array, 1 << 12);
  private readonly counts = new Map<string, number>();
  private docCount = 0;
  private sumTotalTermFreq = 0;

  /** `postingLimit`: postings the columns are sized for before a run is taken (no doubling past it). */
  constructor(private readonly parameters: Bm25Parameters, postingLimit = Infinity) {
    this.postingTerm = new Growable(Uint32Array, 1 << 16, postingLimit);
    this.postingDoc = new Growable(Uint32Array, 1 << 16, postingLimit);
    this.postingFreq = new Growable(Uint16Array, 1 << 16, postingLimit);
    this.idOffsets.push(0);
  }

  /** Postings added since the last run was taken. */
  get postingCount(): number {
    return this.postingDoc.length;
  }

  get documents(): number {
    return this.norms.length;
  }

  /** Bytes the builder holds now (the columns, spare capacity included; the term map is estimated). */
  get heldBytes(): number {
    const columns = [this.postingTerm, this.postingDoc, this.postingFreq, this.norms, this.idBytes, this.idOffsets];
    return columns.reduce((sum, c) => sum + c.bytes, 0) + this.terms.length * 80;
  }

  /** Indexes one passage; its doc number is the number of passages added before it. */
  add(id: string, contents: string): void {
    const doc = this.norms.length;
    const terms = analyze(contents);
    this.counts.clear();
    for (const term of terms) this.counts.set(term, (this.counts.get(term) ?? 0) + 1);
    for (const [term, freq] of this.counts) {
      let termId = this.termIds.get(term);
      if (termId === undefined) {
        termId = this.terms.length;
        this.termIds.set(term, termId);
        this.terms.push(term);
      }
      if (freq > 0xffff) this.bigFreqs.set(this.postingFreq.length, freq);
      this.postingTerm.push(termId);
      this.postingDoc.push(doc);
      this.postingFreq.push(Math.min(freq, 0xffff));
    }
    if (this.postingDoc.length >= 2 ** 32) throw new RangeError('more than 2^32 postings: split the corpus into several indexes');
    this.norms.push(lengthToNorm(terms.length));
    if (terms.length > 0) this.docCount++;
    this.sumTotalTermFreq += terms.length;
    for (const byte of encoder.encode(id)) this.idBytes.push(byte);
    this.idOffsets.push(this.idBytes.length);
  }

  /**
   * The postings added since the last run, sorted by term (code point order), doc numbers
   * ascending within a term, full frequencies; the builder forgets them and keeps counting
   * documents. An external merge of the runs (merge.ts) gives the index `finish()` would.
   */
  takeRun(): Bm25Run {
    const numTerms = this.terms.length;
    const order = Array.from({ length: numTerms }, (_, i) => i).sort((x, y) => compareCodePoints(this.terms[x] as string, this.terms[y] as string));
    const rank = new Uint32Array(numTerms);
    order.forEach((termId, r) => (rank[termId] = r));
    const termOf = this.postingTerm.take();
    const docs = this.postingDoc.take();
    const freqs16 = this.postingFreq.take();
    const termStarts = new Uint32Array(numTerms + 1);
    for (let p = 0; p < docs.length; p++) {
      const slot = (rank[termOf[p] as number] as number) + 1;
      termStarts[slot] = (termStarts[slot] as number) + 1;
    }
    for (let t = 0; t < numTerms; t++) termStarts[t + 1] = (termStarts[t + 1] as number) + (termStarts[t] as number);
    const runDocs = new Uint32Array(docs.length);
    const runFreqs = new Uint32Array(docs.length);
    const cursor = termStarts.slice(0, numTerms);
    for (let p = 0; p < docs.length; p++) {
      const t = rank[termOf[p] as number] as number;
      const at = cursor[t] as number;
      cursor[t] = at + 1;
      runDocs[at] = docs[p] as number;
      runFreqs[at] = this.bigFreqs.get(p) ?? (freqs16[p] as number);
    }
    const terms = order.map((termId) => this.terms[termId] as string);
    this.termIds.clear();
    this.terms.length = 0;
    this.bigFreqs.clear();
    return { terms, termStarts, docs: runDocs, freqs: runFreqs };
  }

  /** Per-document arrays and collection statistics (after the last run is taken). */
  documentArrays(): Pick<Bm25Data, 'norms' | 'idBytes' | 'idOffsets'> & { docCount: number; sumTotalTermFreq: number } {
    return { norms: this.norms.take(), idBytes: this.idBytes.take(), idOffsets: this.idOffsets.take(), docCount: this.docCount, sumTotalTermFreq: this.sumTotalTermFreq };
  }

  /** The finished index arrays; the builder is empty afterwards. */
  finish(): Bm25Data {
    const { k1, b } = this.parameters;
    const run = this.takeRun();
    const { norms, idBytes, idOffsets, docCount, sumTotalTermFreq } = this.documentArrays();
    const normInverse = normInverseTable(k1, b, averageLength(sumTotalTermFreq, docCount));
    const numTerms = run.terms.length;
    const postingFreqs = new Uint8Array(run.docs.length);
    const termMaxTf = new Float32Array(numTerms);
    const overflowAt: number[] = [];
    const overflowValue: number[] = [];
    for (let t = 0; t < numTerms; t++) {
      const start = run.termStarts[t] as number;
      const end = run.termStarts[t + 1] as number;
      termMaxTf[t] = packFreqs(run.docs.subarray(start, end), run.freqs.subarray(start, end), { norms, normInverse }, postingFreqs.subarray(start, end), (at, freq) => {
        overflowAt.push(start + at);
        overflowValue.push(freq);
      });
    }
    const termBytes = new Growable(Uint8Array, 1 << 16);
    const termOffsets = new Uint32Array(numTerms + 1);
    run.terms.forEach((term, t) => {
      for (const byte of encoder.encode(term)) termBytes.push(byte);
      termOffsets[t + 1] = termBytes.length;
    });
    return {
      stats: { documents: norms.length, docCount, sumTotalTermFreq, terms: numTerms, postings: run.docs.length, k1, b },
      termBytes: termBytes.take(),
      termOffsets,
      termStarts: run.termStarts,
      termMaxTf,
      postingDocs: run.docs,
      postingFreqs,
      freqOverflowAt: Uint32Array.from(overflowAt),
      freqOverflowValue: Uint32Array.from(overflowValue),
      norms,
      idBytes,
      idOffsets,
    };
  }
}
