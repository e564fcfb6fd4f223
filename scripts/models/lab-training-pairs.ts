/**
 * Writes the supervised pairs the lab encoder is trained on (run here, before the GPU run):
 * each lab train question and each step of its decomposition, with the passages that
 * support it and BM25's best-scoring passages that do not (hard negatives).
 *
 * BM25 lives in the toolkit (TypeScript) and not on the GPU machine, so the negatives are
 * mined here and carried there as one JSONL file.
 *
 * Run: node --conditions=s3lab-source --import tsx scripts/models/lab-training-pairs.ts .device/encoder/lab-pairs.jsonl
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { indexCorpus, readCorpus, readQa } from '@s3lab/toolkit';

const NEGATIVES_PER_QUERY = 16;
const out = process.argv[2] ?? '.device/encoder/lab-pairs.jsonl';

const corpus: { id: string; contents: string }[] = [];
for await (const doc of readCorpus('datasets/lab/corpus.jsonl')) corpus.push(doc);
const index = indexCorpus(corpus);

interface Pair { kind: 'question' | 'step'; query: string; positives: string[]; negatives: string[] }
const pairs: Pair[] = [];
const negativesFor = (query: string, exclude: Set<string>): string[] =>
  index.searchOne(query, NEGATIVES_PER_QUERY + exclude.size).map((h) => h.id).filter((id) => !exclude.has(id)).slice(0, NEGATIVES_PER_QUERY);

for await (const q of readQa('datasets/lab/train.jsonl')) {
  const supports = (q.supporting_facts as string[] | undefined) ?? [];
  const steps = (q.decomposition as string[] | undefined) ?? [];
  if (supports.length === 0) continue;
  const all = new Set(supports);
  pairs.push({ kind: 'question', query: q.question, positives: supports, negatives: negativesFor(q.question, all) });
  // Step i asks for the fact in supporting_facts[i] (the generator writes them in that order);
  // a single-hop question's one step is the question itself, already paired above.
  if (steps.length === supports.length && steps.length > 1) {
    steps.forEach((step, i) => pairs.push({ kind: 'step', query: step, positives: [supports[i] as string], negatives: negativesFor(step, all) }));
  }
}
await mkdir(dirname(out), { recursive: true });
await writeFile(out, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
console.log(`wrote ${pairs.length} pairs (${pairs.filter((p) => p.kind === 'question').length} questions) to ${out}`);
