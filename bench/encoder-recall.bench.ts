/**
 * Lab encoder against BM25 on the lab world's test split: for each question type, the share of
 * questions whose supporting passages are all in the top 3 / top 10 of the question alone,
 * dense (datasets/models/lab-e5-small, exact inner-product search over the whole corpus) vs
 * BM25 (the toolkit's Lucene-style index). Also times embedding the corpus on this CPU.
 * Run: `npm run bench -- encoder-recall` (prints a table, writes bench/results/encoder-recall.json).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { formatTable, Bm25Index, measureRetrievalRates, readCorpus, readQa, type Row } from '@s3lab/toolkit';
import { e5PassageFromContents, e5Query, loadEncoder } from '../toolkit/src/models/index.js';

const MODEL = 'datasets/models/lab-e5-small';
const KS = [3, 10] as const;

interface Question { question: string; type: string; supporting_facts: string[] }

/** Indices of the k largest inner products of `query` with the rows of `matrix` (exact search). */
function topK(matrix: Float32Array, dimension: number, query: Float32Array, k: number): number[] {
  const rows = matrix.length / dimension;
  const best: { index: number; score: number }[] = [];
  for (let r = 0; r < rows; r++) {
    let score = 0;
    const offset = r * dimension;
    for (let h = 0; h < dimension; h++) score += matrix[offset + h]! * query[h]!;
    if (best.length < k || score > best[best.length - 1]!.score) {
      best.push({ index: r, score });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.index);
}

const corpus: { id: string; contents: string }[] = [];
for await (const doc of readCorpus('datasets/lab/corpus.jsonl')) corpus.push(doc);
const questions: Question[] = [];
for await (const q of readQa('datasets/lab/test.jsonl')) {
  const supports = q.supporting_facts as string[] | undefined;
  if (supports?.length) questions.push({ question: q.question, type: String(q.type ?? 'untyped'), supporting_facts: supports });
}

const encoder = await loadEncoder(MODEL);
let started = performance.now();
const passageVectors = await encoder.encode(corpus.map((d) => e5PassageFromContents(d.contents)));
const corpusSeconds = (performance.now() - started) / 1000;
const matrix = new Float32Array(corpus.length * encoder.dimension);
passageVectors.forEach((v, i) => matrix.set(v, i * encoder.dimension));
started = performance.now();
const queryVectors = await encoder.encode(questions.map((q) => e5Query(q.question)));
const querySeconds = (performance.now() - started) / 1000;
await encoder.dispose();

const dense = new Map<string, { n: number; hits: Record<number, number> }>();
questions.forEach((q, i) => {
  const ranked = topK(matrix, encoder.dimension, queryVectors[i]!, Math.max(...KS)).map((r) => corpus[r]!.id);
  for (const type of [q.type, 'all']) {
    const row = dense.get(type) ?? { n: 0, hits: { 3: 0, 10: 0 } };
    row.n++;
    for (const k of KS) row.hits[k]! += Number(q.supporting_facts.every((id) => ranked.slice(0, k).includes(id)));
    dense.set(type, row);
  }
});

const index = Bm25Index.build(corpus);
const bm25 = Object.fromEntries(KS.map((k) => [k, new Map(measureRetrievalRates(index, questions, { k }).map((r) => [r.type, r.questionAlone]))]));
const types = [...dense.keys()].sort((a, b) => (a === 'all' ? 1 : b === 'all' ? -1 : a.localeCompare(b)));
const rows: Row[] = types.map((type) => {
  const d = dense.get(type)!;
  return {
    type, questions: d.n,
    'BM25 @3': bm25[3]!.get(type) ?? 0, 'dense @3': d.hits[3]! / d.n,
    'BM25 @10': bm25[10]!.get(type) ?? 0, 'dense @10': d.hits[10]! / d.n,
  };
});
console.log(formatTable(rows, { digits: 3 }));
const passagesPerSecond = corpus.length / corpusSeconds;
console.log(`\nrecall = share of test questions whose supporting passages are all in the top k of the question alone`);
console.log(`embedding the corpus: ${corpus.length} passages in ${corpusSeconds.toFixed(1)} s (${passagesPerSecond.toFixed(0)} passages/s); ${questions.length} queries in ${querySeconds.toFixed(2)} s; ${cpus().length} cores, Node ${process.version}`);

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/encoder-recall.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ model: MODEL, split: 'test', node: process.version, cores: cpus().length, corpusSeconds, passagesPerSecond, querySeconds, rows }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
