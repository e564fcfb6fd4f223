// The lab generator's reading report: GenAcc (span match), EM and F1 on the lab world's test split
// with the gold passages, the naive-RAG top 3 (BM25) and no context, by question type
// (toolkit/src/eval/reader-check.ts). Writes datasets/models/lab-generator/report.json.
//   node --conditions=s3lab-source --import tsx scripts/models/lab_generator_report.mts [--limit N]
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bm25Index, formatTable, loadLocalChatModel, progressCallback, readCorpus, readQa, readerCheck, splitContents } from '../../toolkit/src/index.js';

const { values } = parseArgs({ options: {
  model: { type: 'string', default: 'datasets/models/lab-generator' },
  data: { type: 'string', default: 'datasets/lab/test.jsonl' },
  corpus: { type: 'string', default: 'datasets/lab/corpus.jsonl' },
  limit: { type: 'string' },
} });
const corpus = await readCorpus(values.corpus).toArray();
const questions = (await readQa(values.data).toArray()).slice(0, values.limit === undefined ? undefined : Number(values.limit));
const started = Date.now();
const progress = progressCallback('reading');
const rows = await readerCheck({
  generator: await loadLocalChatModel(values.model),
  questions,
  passages: new Map(corpus.map((p) => [p.id, splitContents(p.contents)])),
  retriever: Bm25Index.build(corpus),
  onProgress: progress,
});
progress.finish();
console.log(`\n${formatTable(rows as unknown as Parameters<typeof formatTable>[0])}\n`);
const report = {
  command: `node --conditions=s3lab-source --import tsx scripts/models/lab_generator_report.mts ${process.argv.slice(2).join(' ')}`.trim(),
  model: values.model, data: values.data, questions: questions.length, scoring: 'span match (no judge)', naiveRag: 'BM25 top 3',
  seconds: Math.round((Date.now() - started) / 1000), rows,
};
if (values.limit === undefined) await writeFile(join(values.model, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
console.log(`${questions.length} questions in ${report.seconds} s${values.limit === undefined ? `; wrote ${join(values.model, 'report.json')}` : ''}`);
