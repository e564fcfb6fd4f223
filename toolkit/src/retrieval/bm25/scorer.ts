/**
 * Scores a parsed query against index arrays and keeps the top k, as Lucene's IndexSearcher does
 * with BM25Similarity: clause scores in float32, a boolean's clauses summed in double and rounded
 * to float once (Lucene's DisjunctionSumScorer / ConjunctionScorer), required and optional parts
 * added in float (ReqOptSumScorer), ties to the lower doc number.
 *
 * Plain bags of words (the hot path) run term at a time into a dense accumulator that is reused
 * across queries, with MaxScore pruning: once k hits are kept, terms whose summed score bounds
 * cannot lift an unseen passage past the k-th score only update passages already seen.
 * Queries with AND run on sorted doc lists (intersections gallop through the longer lists).
 */
import { findTerm, postingFreq, type Bm25Data } from './index-data.js';
import type { QueryNode } from './query.js';
import { averageLength, bm25TermScore, bm25Weight, idf, normInverseTable } from './similarity.js';
import { TopK } from './top-k.js';

const f = Math.fround;

interface DocList {
  docs: Uint32Array;
  /** Float32 values held in doubles. */
  scores: Float64Array;
}

interface WeightedTerm {
  start: number;
  end: number;
  weight: number;
  /** The largest score this term can give one passage. */
  bound: number;
}

const EMPTY: DocList = { docs: new Uint32Array(0), scores: new Float64Array(0) };

export class Bm25Scorer {
  private readonly normInverse: Float32Array;
  private accumulator: Float64Array | undefined;
  private touched: Uint32Array | undefined;
  private scratch: Float64Array | undefined;

  constructor(private readonly data: Bm25Data) {
    const { k1, b, sumTotalTermFreq, docCount } = data.stats;
    this.normInverse = normInverseTable(k1, b, averageLength(sumTotalTermFreq, docCount));
  }

  /** The top k (doc numbers, scores) of a query, best first. */
  topK(query: QueryNode | undefined, k: number): { docs: number[]; scores: number[] } {
    if (query === undefined || k <= 0 || this.data.stats.documents === 0) return { docs: [], scores: [] };
    const terms = disjunctionTerms(query);
    if (terms) return this.topKOfDisjunction(terms, k);
    const list = this.evaluate(query);
    const top = new TopK(Math.min(k, list.docs.length));
    for (let i = 0; i < list.docs.length; i++) top.offer(list.docs[i] as number, list.scores[i] as number);
    return top.sorted();
  }

  private weigh(term: string, boost: number): WeightedTerm | undefined {
    const t = findTerm(this.data, term);
    if (t < 0) return undefined;
    const start = this.data.termStarts[t] as number;
    const end = this.data.termStarts[t + 1] as number;
    const weight = bm25Weight(boost, idf(end - start, this.data.stats.docCount));
    return { start, end, weight, bound: bm25TermScore(weight, 1, this.data.termMaxTf[t] as number) };
  }

  private termScore(weight: number, p: number): number {
    const { postingDocs, postingFreqs, norms } = this.data;
    let freq = postingFreqs[p] as number;
    if (freq === 255) freq = postingFreq(this.data, p);
    const normInverse = this.normInverse[norms[postingDocs[p] as number] as number] as number;
    return f(weight - f(weight / f(1 + f(freq * normInverse))));
  }

  /**
   * Term at a time, rarest (highest-bound) terms first. After each term, if the bounds of the
   * terms left sum below the current k-th score, no passage unseen so far can enter the top k,
   * so the rest only add to passages already in the accumulator (MaxScore's "essential" cut).
   */
  private topKOfDisjunction(clauses: { term: string; boost: number }[], k: number): { docs: number[]; scores: number[] } {
    const terms = clauses.map((c) => this.weigh(c.term, c.boost)).filter((t): t is WeightedTerm => t !== undefined);
    if (terms.length === 0) return { docs: [], scores: [] };
    terms.sort((a, b) => b.bound - a.bound || a.end - a.start - (b.end - b.start));
    const n = this.data.stats.documents;
    const acc = (this.accumulator ??= new Float64Array(n));
    const touched = (this.touched ??= new Uint32Array(n));
    let touchedCount = 0;
    const { postingDocs, postingFreqs, norms } = this.data;
    const normInverse = this.normInverse;

    let remainingBound = 0;
    for (const t of terms) remainingBound += t.bound;
    let threshold = -Infinity;
    let admitting = true;
    // The best partial score so far: the k-th is at most this, so no cut is possible while the bounds left exceed it.
    let best = 0;
    for (let ti = 0; ti < terms.length; ti++) {
      const { start, end, weight, bound } = terms[ti] as WeightedTerm;
      if (admitting) {
        for (let p = start; p < end; p++) {
          const doc = postingDocs[p] as number;
          let freq = postingFreqs[p] as number;
          if (freq === 255) freq = postingFreq(this.data, p);
          const score = f(weight - f(weight / f(1 + f(freq * (normInverse[norms[doc] as number] as number)))));
          const before = acc[doc] as number;
          if (before === 0) touched[touchedCount++] = doc;
          const after = before + score;
          acc[doc] = after;
          if (after > best) best = after;
        }
      } else {
        for (let p = start; p < end; p++) {
          const doc = postingDocs[p] as number;
          const before = acc[doc] as number;
          if (before === 0) continue;
          acc[doc] = before + this.termScore(weight, p);
        }
      }
      remainingBound -= bound;
      // Decide whether later terms may still admit new passages: find the k-th best partial score.
      if (admitting && ti + 1 < terms.length && touchedCount >= k && remainingBound < best) {
        threshold = kthLargest(acc, touched, touchedCount, k, (this.scratch = growTo(this.scratch, touchedCount)));
        // Bounds are float32 sums of float32 scores; a small margin keeps the cut safe.
        if (remainingBound * (1 + 1e-6) < threshold) admitting = false;
      }
    }

    const top = new TopK(k);
    for (let i = 0; i < touchedCount; i++) {
      const doc = touched[i] as number;
      top.offer(doc, f(acc[doc] as number));
      acc[doc] = 0;
    }
    return top.sorted();
  }

  /** All matching passages of a node, doc numbers ascending, with their scores. */
  private evaluate(node: QueryNode): DocList {
    if (node.kind === 'term') {
      const t = this.weigh(node.term, node.boost);
      if (!t) return EMPTY;
      const docs = this.data.postingDocs.subarray(t.start, t.end);
      const scores = new Float64Array(docs.length);
      for (let i = 0; i < docs.length; i++) scores[i] = this.termScore(t.weight, t.start + i);
      return { docs, scores };
    }
    const optional = node.should.length === 0 ? undefined : roundScores(node.should.map((c) => this.evaluate(c)).reduce(union));
    if (node.must.length === 0) return optional ?? EMPTY;
    const required = roundScores(intersect(node.must.map((c) => this.evaluate(c))));
    return optional ? addOptional(required, optional) : required;
  }
}

/** The terms of a query that is one term or an OR of terms (no nesting, no AND). */
function disjunctionTerms(node: QueryNode): { term: string; boost: number }[] | undefined {
  if (node.kind === 'term') return [node];
  if (node.must.length > 0 || node.should.some((c) => c.kind !== 'term')) return undefined;
  return node.should as { term: string; boost: number }[];
}

function growTo(array: Float64Array | undefined, length: number): Float64Array {
  return array && array.length >= length ? array : new Float64Array(Math.max(length, 2 * (array?.length ?? 0)));
}

/** The k-th largest accumulated score among the touched passages (quickselect on a scratch copy). */
function kthLargest(acc: Float64Array, touched: Uint32Array, count: number, k: number, values: Float64Array): number {
  for (let i = 0; i < count; i++) values[i] = acc[touched[i] as number] as number;
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

function roundScores(list: DocList): DocList {
  for (let i = 0; i < list.scores.length; i++) list.scores[i] = f(list.scores[i] as number);
  return list;
}

function union(a: DocList, b: DocList): DocList {
  const docs = new Uint32Array(a.docs.length + b.docs.length);
  const scores = new Float64Array(docs.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.docs.length || j < b.docs.length) {
    const da = i < a.docs.length ? (a.docs[i] as number) : Infinity;
    const db = j < b.docs.length ? (b.docs[j] as number) : Infinity;
    if (da === db) {
      docs[n] = da;
      scores[n++] = (a.scores[i++] as number) + (b.scores[j++] as number);
    } else if (da < db) {
      docs[n] = da;
      scores[n++] = a.scores[i++] as number;
    } else {
      docs[n] = db;
      scores[n++] = b.scores[j++] as number;
    }
  }
  return { docs: docs.subarray(0, n), scores: scores.subarray(0, n) };
}

/** Passages in every list, scores summed in double; the shortest list leads, the others gallop. */
function intersect(lists: DocList[]): DocList {
  const sorted = [...lists].sort((a, b) => a.docs.length - b.docs.length);
  const lead = sorted[0] as DocList;
  const others = sorted.slice(1);
  const positions = new Array<number>(others.length).fill(0);
  const docs = new Uint32Array(lead.docs.length);
  const scores = new Float64Array(lead.docs.length);
  let n = 0;
  candidates: for (let i = 0; i < lead.docs.length; i++) {
    const doc = lead.docs[i] as number;
    let sum = lead.scores[i] as number;
    for (let o = 0; o < others.length; o++) {
      const list = others[o] as DocList;
      const at = gallop(list.docs, doc, positions[o] as number);
      positions[o] = at;
      if (at >= list.docs.length) break candidates;
      if (list.docs[at] !== doc) continue candidates;
      sum += list.scores[at] as number;
    }
    docs[n] = doc;
    scores[n++] = sum;
  }
  return { docs: docs.subarray(0, n), scores: scores.subarray(0, n) };
}

/** The first index at or after `from` whose doc is ≥ target (exponential then binary search). */
function gallop(docs: Uint32Array, target: number, from: number): number {
  let step = 1;
  let hi = from;
  while (hi < docs.length && (docs[hi] as number) < target) {
    from = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = Math.min(hi, docs.length);
  let lo = from;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((docs[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** ReqOptSumScorer: a required passage's float score plus, in float, its optional part's. */
function addOptional(required: DocList, optional: DocList): DocList {
  let j = 0;
  for (let i = 0; i < required.docs.length; i++) {
    const doc = required.docs[i] as number;
    j = gallop(optional.docs, doc, j);
    if (optional.docs[j] === doc) required.scores[i] = f((required.scores[i] as number) + (optional.scores[j] as number));
  }
  return required;
}
