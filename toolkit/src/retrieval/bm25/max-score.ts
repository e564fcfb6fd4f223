/**
 * The top k of a disjunction of terms (a plain bag of words: the hot path) by term-at-a-time
 * MaxScore, with the same hits and float32 scores as Lucene's exhaustive evaluation.
 *
 * Terms run in decreasing order of their score bound (rare terms first). Each passage's score is
 * accumulated in a double (a dense accumulator reused across queries) and rounded to float once,
 * as Lucene's DisjunctionSumScorer / WANDScorer sum float clause scores in a double. Adding
 * float32 values in a double is exact at BM25's magnitudes, so the order of the additions (ours
 * term by term, Lucene's doc by doc) does not change a single bit of the result.
 *
 * 1. Essential terms: every posting is scored into the accumulator.
 * 2. Once k passages already score above the sum of the bounds of the terms left, no passage
 *    unseen so far can reach the top k: the terms left are non-essential. The k-th best partial
 *    score is a lower bound θ of the final k-th score; passages whose partial score plus the bounds
 *    left cannot reach θ are dropped, and each non-essential term is only *probed* for the
 *    surviving candidates (ascending doc numbers, galloping through its postings), so most of a
 *    long posting list is skipped, as Lucene's MaxScore / WAND skip it. θ rises and the candidates
 *    shrink after every such term.
 *
 * Comparisons against θ keep a relative margin (1e-6, about 8 float32 ulps): a passage is dropped
 * only when it is certainly *below* the k-th score after rounding, never when it might tie, so ties
 * still go to the lower doc number exactly as in Lucene.
 *
 * @example
 * ```ts
 * const disjunction = new MaxScoreDisjunction(data, normInverseTable(0.9, 0.4, avgdl));
 * const { docs, scores } = disjunction.topK([{ start: 0, end: 3, weight: 1.2, bound: 0.9 }], 10);
 * ```
 */
import { gallop } from './gallop.js';
import { postingFreq, type Bm25Data } from './index-data.js';
import { TopK } from './top-k.js';

const f = Math.fround;

/** Bounds are float32 sums in a double; this margin keeps every cut on the safe side of a tie. */
const MARGIN = 1 + 1e-6;

/** Finish the passages seen so far before reading a posting list this many times longer than them. */
const PROBE_FIRST_RATIO = 4;

/** One query term: its postings range, its BM25 weight (boost · idf) and the most it scores in one passage. */
export interface ScoredTerm {
  start: number;
  end: number;
  weight: number;
  bound: number;
}

export class MaxScoreDisjunction {
  private accumulator: Float64Array | undefined;
  private touched: Uint32Array | undefined;
  private candidates: Uint32Array | undefined;
  private values: Float64Array | undefined;
  /** Passages already settled (completeFirst); cleared after each query. */
  private done: Uint8Array | undefined;

  constructor(
    private readonly data: Bm25Data,
    private readonly normInverse: Float32Array,
  ) {}

  /**
   * The top k (doc numbers, scores) of the OR of `terms`, best first, ties by lower doc number.
   *
   * @example
   * ```ts
   * disjunction.topK(terms, 10); // { docs: [412, 7, …], scores: [13.2, 12.9, …] }
   * ```
   */
  topK(terms: ScoredTerm[], k: number): { docs: number[]; scores: number[] } {
    if (terms.length === 0) return { docs: [], scores: [] };
    // Highest bound first; among equal bounds the shorter list first.
    terms = [...terms].sort((a, b) => b.bound - a.bound || a.end - a.start - (b.end - b.start));
    const n = this.data.stats.documents;
    const acc = (this.accumulator ??= new Float64Array(n));
    const touched = (this.touched ??= new Uint32Array(n));

    // suffix[i]: the most that terms i … end can add to one passage.
    const suffix = new Float64Array(terms.length + 1);
    for (let i = terms.length - 1; i >= 0; i--) suffix[i] = (suffix[i + 1] as number) + (terms[i] as ScoredTerm).bound;
    let touchedCount = 0;
    let best = 0;
    let ti = 0;
    let survivors: Uint32Array[] = [];
    while (ti < terms.length) {
      ({ touchedCount, best } = this.admit(terms[ti++] as ScoredTerm, acc, touched, touchedCount, best, undefined));
      if (ti === terms.length || touchedCount < k) continue;
      // Cheap test first (the best partial score must clear the bounds left), then count.
      const cut = (suffix[ti] as number) * MARGIN;
      if (best > cut && countAbove(acc, touched, touchedCount, cut, k) >= k) {
        // No unseen passage can reach the top k: the terms left are non-essential.
        survivors = [this.probe(terms.slice(ti), suffix[ti] as number, acc, touched.subarray(0, touchedCount), k, cut).candidates];
        break;
      }
      const next = terms[ti] as ScoredTerm;
      if (touchedCount * PROBE_FIRST_RATIO < next.end - next.start) {
        ({ survivors, touchedCount } = this.completeFirst(terms, suffix, ti, acc, touched, touchedCount, k));
        break;
      }
    }
    if (ti === terms.length && survivors.length === 0) survivors = [touched.subarray(0, touchedCount)];

    const top = new TopK(k);
    for (const docs of survivors) {
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i] as number;
        top.offer(doc, f(acc[doc] as number));
      }
    }
    const done = this.done;
    for (let i = 0; i < touchedCount; i++) {
      const doc = touched[i] as number;
      acc[doc] = 0;
      if (done) done[doc] = 0;
    }
    return top.sorted();
  }

  /**
   * The passages seen so far are few and the next posting list is long: finish their scores first
   * (probing every term left for them), which gives a strong θ, the true k-th best of their final
   * scores. Only the terms whose bounds, summed with those after them, still reach θ then have to be
   * read whole, for passages not seen yet; the rest are probed for those new passages alone.
   * Returns the groups of candidates (each a superset of its share of the top k) and the passages touched now.
   */
  private completeFirst(terms: ScoredTerm[], suffix: Float64Array, ti: number, acc: Float64Array, touched: Uint32Array, touchedCount: number, k: number): { survivors: Uint32Array[]; touchedCount: number } {
    const seen = touched.subarray(0, touchedCount);
    const first = this.probe(terms.slice(ti), suffix[ti] as number, acc, seen, k, 0);
    const finished = first.candidates.slice();
    const theta = first.theta;
    // Every passage seen so far is settled: in the candidates with its final score, or out of the top k.
    const done = (this.done ??= new Uint8Array(this.data.stats.documents));
    for (let i = 0; i < touchedCount; i++) done[touched[i] as number] = 1;
    let essentialEnd = ti;
    while (essentialEnd < terms.length && (suffix[essentialEnd] as number) * MARGIN >= theta) essentialEnd++;
    let best = 0;
    const before = touchedCount;
    for (let i = ti; i < essentialEnd; i++) ({ touchedCount, best } = this.admit(terms[i] as ScoredTerm, acc, touched, touchedCount, best, done));
    const fresh = touched.subarray(before, touchedCount);
    if (fresh.length === 0) return { survivors: [finished], touchedCount };
    if (essentialEnd === terms.length) return { survivors: [finished, fresh], touchedCount };
    return { survivors: [finished, this.probe(terms.slice(essentialEnd), suffix[essentialEnd] as number, acc, fresh, k, theta).candidates], touchedCount };
  }

  /**
   * Scores every posting of an essential term into the accumulator; new passages join `touched`.
   * Passages marked in `done` (already settled) are skipped.
   */
  private admit(term: ScoredTerm, acc: Float64Array, touched: Uint32Array, touchedCount: number, best: number, done: Uint8Array | undefined): { touchedCount: number; best: number } {
    const { postingDocs, postingFreqs, norms } = this.data;
    const normInverse = this.normInverse;
    const { start, end, weight } = term;
    for (let p = start; p < end; p++) {
      const doc = postingDocs[p] as number;
      if (done !== undefined && done[doc] === 1) continue;
      let freq = postingFreqs[p] as number;
      if (freq === 255) freq = postingFreq(this.data, p);
      const score = f(weight - f(weight / f(1 + f(freq * (normInverse[norms[doc] as number] as number)))));
      const before = acc[doc] as number;
      if (before === 0) touched[touchedCount++] = doc;
      const after = before + score;
      acc[doc] = after;
      if (after > best) best = after;
    }
    return { touchedCount, best };
  }

  /**
   * Non-essential terms: only the candidates that can still reach the top k are looked up in their
   * postings (ascending doc numbers, galloping), term by term. θ starts as the k-th best partial
   * score above `floor` (itself a known lower bound of the k-th final score) and rises after every
   * term, as the candidates shrink. Returns the final candidates (a superset of the top k among
   * `docs`, with their final scores in the accumulator), ascending, and θ.
   */
  private probe(terms: ScoredTerm[], remaining: number, acc: Float64Array, docs: Uint32Array, k: number, floor: number): { candidates: Uint32Array; theta: number } {
    const { postingDocs, postingFreqs, norms } = this.data;
    const normInverse = this.normInverse;
    let theta = this.kthBest(acc, docs, k, floor);
    let candidates = this.keep(acc, docs, remaining, theta);
    candidates.sort();
    for (const term of terms) {
      const { start, end, weight, bound } = term;
      const list = postingDocs.subarray(start, end);
      let at = 0;
      for (let i = 0; i < candidates.length; i++) {
        const doc = candidates[i] as number;
        at = gallop(list, doc, at);
        if (at >= list.length) break;
        if (list[at] !== doc) continue;
        const p = start + at;
        let freq = postingFreqs[p] as number;
        if (freq === 255) freq = postingFreq(this.data, p);
        acc[doc] = (acc[doc] as number) + f(weight - f(weight / f(1 + f(freq * (normInverse[norms[doc] as number] as number)))));
      }
      remaining -= bound;
      // Partial scores only grow, so θ does too; the candidates shrink (and stay ascending).
      theta = this.kthBest(acc, candidates, k, theta);
      candidates = this.keep(acc, candidates, remaining, theta);
    }
    return { candidates, theta };
  }

  /**
   * The k-th best partial score among `docs`, at least `floor`: only scores above the floor are
   * selected from (at least k of them exist, or the floor itself is returned).
   */
  private kthBest(acc: Float64Array, docs: Uint32Array, k: number, floor: number): number {
    const values = (this.values = growTo(this.values, docs.length));
    let count = 0;
    for (let i = 0; i < docs.length; i++) {
      const v = acc[docs[i] as number] as number;
      if (v > floor) values[count++] = v;
    }
    return count < k ? floor : kthLargest(values, count, k);
  }

  /**
   * The passages of `docs` whose partial score plus the bounds left may still reach θ, in the same
   * order, written into the candidates buffer (in place when `docs` already lives there).
   */
  private keep(acc: Float64Array, docs: Uint32Array, remaining: number, theta: number): Uint32Array {
    if (!this.candidates || (this.candidates.buffer !== docs.buffer && this.candidates.length < docs.length)) {
      this.candidates = new Uint32Array(Math.max(docs.length, 2 * (this.candidates?.length ?? 0), 1024));
    }
    const out = this.candidates;
    let n = 0;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i] as number;
      if (((acc[doc] as number) + remaining) * MARGIN >= theta) out[n++] = doc;
    }
    return out.subarray(0, n);
  }
}

/** How many of the touched passages score above `cut` (stops counting at k). */
function countAbove(acc: Float64Array, touched: Uint32Array, count: number, cut: number, k: number): number {
  let above = 0;
  for (let i = 0; i < count && above < k; i++) if ((acc[touched[i] as number] as number) > cut) above++;
  return above;
}

function growTo(array: Float64Array | undefined, length: number): Float64Array {
  return array && array.length >= length ? array : new Float64Array(Math.max(length, 2 * (array?.length ?? 0), 1024));
}

/** The k-th largest of values[0 .. count) (quickselect, in place). */
function kthLargest(values: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) > pivot) i++;
      while ((values[j] as number) < pivot) j--;
      if (i <= j) {
        const tmp = values[i] as number;
        values[i] = values[j] as number;
        values[j] = tmp;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target] as number;
}
