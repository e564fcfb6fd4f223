/**
 * Scores a parsed query against index arrays and keeps the top k, as Lucene's IndexSearcher does
 * with BM25Similarity: clause scores in float32, a boolean's clauses summed in double and rounded
 * to float once (Lucene's DisjunctionSumScorer / ConjunctionScorer), required and optional parts
 * added in float (ReqOptSumScorer), ties to the lower doc number.
 *
 * Plain bags of words (the hot path) run term at a time with MaxScore pruning (max-score.ts).
 * Queries with AND run on sorted doc lists (intersections gallop through the longer lists).
 */
import { findTerm, postingFreq, type Bm25Data } from './index-data.js';
import type { QueryNode } from './query.js';
import { averageLength, bm25TermScore, bm25Weight, idf, normInverseTable } from './similarity.js';
import { gallop } from './gallop.js';
import { MaxScoreDisjunction, type ScoredTerm } from './max-score.js';
import { TopK } from './top-k.js';

const f = Math.fround;

interface DocList {
  docs: Uint32Array;
  /** Float32 values held in doubles. */
  scores: Float64Array;
}

type WeightedTerm = ScoredTerm;

const EMPTY: DocList = { docs: new Uint32Array(0), scores: new Float64Array(0) };

export class Bm25Scorer {
  private readonly normInverse: Float32Array;
  private readonly disjunction: MaxScoreDisjunction;

  constructor(private readonly data: Bm25Data) {
    const { k1, b, sumTotalTermFreq, docCount } = data.stats;
    this.normInverse = normInverseTable(k1, b, averageLength(sumTotalTermFreq, docCount));
    this.disjunction = new MaxScoreDisjunction(data, this.normInverse);
  }

  /** The top k (doc numbers, scores) of a query, best first. */
  topK(query: QueryNode | undefined, k: number): { docs: number[]; scores: number[] } {
    if (query === undefined || k <= 0 || this.data.stats.documents === 0) return { docs: [], scores: [] };
    const terms = disjunctionTerms(query);
    if (terms) return this.disjunction.topK(terms.map((c) => this.weigh(c.term, c.boost)).filter((t): t is WeightedTerm => t !== undefined), k);
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
