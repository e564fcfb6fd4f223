/**
 * Lab world benchmark: how long generating the default world, indexing it with BM25 and
 * searching it take on this machine, and how much memory that holds.
 * Run: `npm run bench -- lab-world` (prints a table, writes bench/results/lab-world.json).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { generateLabWorld, Bm25Index, formatTable, type Row } from '@s3lab/toolkit';

const REPEATS = 3;

function timed<T>(run: () => T): { value: T; seconds: number } {
  const started = process.hrtime.bigint();
  const value = run();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function best<T>(run: () => T): { value: T; seconds: number } {
  let result = timed(run);
  for (let i = 1; i < REPEATS; i++) {
    const next = timed(run);
    if (next.seconds < result.seconds) result = next;
  }
  return result;
}

const heapBefore = process.memoryUsage().heapUsed;
const generation = best(() => generateLabWorld({ seed: 1 }));
const lab = generation.value;
const indexing = best(() => Bm25Index.build(lab.corpus));
const index = indexing.value;
const heapAfter = process.memoryUsage().heapUsed;
const queries = lab.splits.test.map((q) => q.question);
const search = best(() => queries.map((q) => index.searchOne(q, 10)));

const rows: Row[] = [
  { step: 'generate world (seed 1)', items: lab.corpus.length, unit: 'passages', seconds: generation.seconds, 'items/s': lab.corpus.length / generation.seconds },
  { step: 'build BM25 index', items: lab.corpus.length, unit: 'passages', seconds: indexing.seconds, 'items/s': lab.corpus.length / indexing.seconds },
  { step: 'BM25 search, top 10', items: queries.length, unit: 'queries', seconds: search.seconds, 'items/s': queries.length / search.seconds },
];
console.log(formatTable(rows, { digits: 3 }));
console.log(`\nheap held by world + index: ${((heapAfter - heapBefore) / 2 ** 20).toFixed(0)} MiB; best of ${REPEATS}; ${cpus().length} cores, Node ${process.version}`);
console.log('peer: see bench/bm25.bench.ts for BM25 against Lucene.');

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/lab-world.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ node: process.version, cores: cpus().length, repeats: REPEATS, rows, heapMiB: (heapAfter - heapBefore) / 2 ** 20 }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
