/**
 * Encoder benchmark on this CPU with the lab encoder (datasets/models/lab-e5-small): how fast
 * the tokenizer turns lab passages and questions into ids, and how many passages and queries
 * per second the ONNX encoder embeds at several batch sizes.
 * Peer: none runs here (no PyTorch or Python tokenizers on this machine; the GPU machine has
 * them but no Node). Parity with PyTorch is a test (test/models/encoder.test.ts), not a timing.
 * Run: `npm run bench -- encoder` (prints a table, writes bench/results/encoder.json).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { formatTable, readCorpus, readQa, type Row } from '@s3lab/toolkit';
import { e5PassageFromContents, e5Query, loadEncoder, loadTokenizer } from '../toolkit/src/models/index.js';
import { best } from './timing.js';

const MODEL = 'datasets/models/lab-e5-small';
const REPEATS = 3;
const ENCODE_PASSAGES = 1000;
const BATCH_SIZES = [1, 8, 16, 32, 64];


const loadBefore = loadavg()[0]!;
const passages: string[] = [];
for await (const doc of readCorpus('datasets/lab/corpus.jsonl')) passages.push(e5PassageFromContents(doc.contents));
const queries: string[] = [];
for await (const q of readQa('datasets/lab/test.jsonl')) queries.push(e5Query(q.question));

const rows: Row[] = [];
const tokenizer = await loadTokenizer(MODEL, { maxLength: 256 });
for (const [what, texts] of [['tokenize passages', passages], ['tokenize queries', queries]] as const) {
  const { value, seconds } = await best(REPEATS, () => tokenizer.tokenize(texts));
  const tokens = value.reduce((sum, t) => sum + t.ids.length, 0);
  rows.push({ step: what, 'batch size': texts.length, items: texts.length, seconds, 'items/s': texts.length / seconds, 'tokens/s': tokens / seconds });
}

const slice = passages.slice(0, ENCODE_PASSAGES);
const tokensInSlice = (await tokenizer.tokenize(slice)).reduce((sum, t) => sum + t.ids.length, 0);
for (const batchSize of BATCH_SIZES) {
  const encoder = await loadEncoder(MODEL, { batchSize });
  await encoder.encode(slice.slice(0, 32)); // warm-up: first runs allocate
  const { seconds } = await best(batchSize === 1 ? 1 : 2, () => encoder.encode(slice));
  rows.push({ step: 'encode passages', 'batch size': batchSize, items: slice.length, seconds, 'items/s': slice.length / seconds, 'tokens/s': tokensInSlice / seconds });
  if (batchSize === 16) {
    const q = await best(2, () => encoder.encode(queries));
    const tokens = (await tokenizer.tokenize(queries)).reduce((sum, t) => sum + t.ids.length, 0);
    rows.push({ step: 'encode queries', 'batch size': batchSize, items: queries.length, seconds: q.seconds, 'items/s': queries.length / q.seconds, 'tokens/s': tokens / q.seconds });
  }
  await encoder.dispose();
}
const loadAfter = loadavg()[0]!;

console.log(formatTable(rows, { digits: 3 }));
console.log(`\n${MODEL}: passages of the lab corpus (mean ${(tokensInSlice / slice.length).toFixed(0)} tokens) and test questions, e5 prefixes, max length 256`);
console.log(`${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (other work on the machine slows every row)`);
console.log('peer: none here (PyTorch and Python tokenizers are not installed on this machine)');

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/encoder.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ model: MODEL, node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, loadBefore, loadAfter, repeats: REPEATS, rows }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
