/**
 * BM25 build at scale: s3lab's streaming build on generated 1M- and 5M-passage corpora (lab
 * sentences recombined, bench/recombined-corpus.ts), with a fixed memory budget for postings
 * (`BM25_SCALE_BUDGET_MIB`, default 256) so the build spills sorted runs and merges them. Each
 * build runs in its own process; its peak RSS is read from the kernel. Prints build time,
 * passages/s, peak RSS, runs and index size per size, then a linear fit of time and memory against
 * passages and its projection to wiki-18's 21M passages; writes bench/results/bm25-scale.json.
 *
 * The peer (Lucene 8, Pyserini's engine) is measured on 1M passages by bench/bm25.bench.ts; here
 * the question is how s3lab's own build grows. The build is one thread (analysis and postings);
 * a 16-core machine runs it at its single-core speed, so the projection holds for it per core
 * speed, and the remaining cores serve queries (the searcher's worker pool) once it is built.
 *
 * Run: `npm run bench -- bm25-scale` (~15 min here for 1M + 5M; `BM25_SCALE_PASSAGES=200000,1000000`
 * for a quicker look). The corpora go to a temporary directory (about 0.7 KB per passage) and are removed.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBm25Index, formatTable, type Row } from '@s3lab/toolkit';
import { recombinedCorpus } from './recombined-corpus.js';
import { fit } from './linear-fit.js';

const WIKI18_PASSAGES = 21_015_324;
const SIZES = (process.env.BM25_SCALE_PASSAGES ?? '1000000,5000000').split(',').map(Number);
const BUDGET = Number(process.env.BM25_SCALE_BUDGET_MIB ?? 256) * 2 ** 20;
const HEAP_MIB = 192;

if (process.argv[2] === '--child-build') {
  const [corpusPath, outDir, budget] = process.argv.slice(3) as [string, string, string];
  const stats = await buildBm25Index({ corpusPath, outDir, memoryBudget: Number(budget) });
  process.stdout.write(`${JSON.stringify({ ...stats, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}

interface Measured {
  passages: number;
  corpusBytes: number;
  seconds: number;
  peakRssBytes: number;
  runs: number;
  postings: number;
  terms: number;
  indexBytes: number;
}

const MiB = 2 ** 20;
const measured: Measured[] = [];
const workDir = await mkdtemp(join(tmpdir(), 's3lab-bm25-scale-'));
try {
  for (const passages of SIZES) {
    const corpus = join(workDir, `corpus-${passages}.jsonl`);
    process.stderr.write(`${passages} passages: generating …\n`);
    await recombinedCorpus(corpus, passages);
    process.stderr.write(`${passages} passages: building …\n`);
    // A capped JS heap: V8 otherwise grows it lazily towards gigabytes of garbage (analyzer strings) before
    // collecting, and peak RSS would measure the collector's patience, not what the build holds.
    const child = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, ...process.execArgv, fileURLToPath(import.meta.url), '--child-build', corpus, join(workDir, `index-${passages}`), String(BUDGET)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`build of ${passages} passages failed: ${child.stderr}`);
    const stats = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { seconds: number; peakRssBytes: number; runs: number; postings: number; terms: number; indexBytes: number };
    measured.push({ passages, corpusBytes: statSync(corpus).size, seconds: stats.seconds, peakRssBytes: stats.peakRssBytes, runs: stats.runs, postings: stats.postings, terms: stats.terms, indexBytes: stats.indexBytes });
    await rm(corpus);
    await rm(join(workDir, `index-${passages}`), { recursive: true });
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const time = fit(measured.map((m) => [m.passages, m.seconds]));
const memory = fit(measured.map((m) => [m.passages, m.peakRssBytes]));
const indexSize = fit(measured.map((m) => [m.passages, m.indexBytes]));
const rows: Row[] = measured.map((m) => ({
  passages: m.passages.toLocaleString('en-US'),
  'corpus MiB': Math.round(m.corpusBytes / MiB),
  'build s': Number(m.seconds.toFixed(1)),
  'passages/s': Math.round(m.passages / m.seconds),
  'peak RSS MiB': Math.round(m.peakRssBytes / MiB),
  runs: m.runs,
  postings: m.postings.toLocaleString('en-US'),
  'index MiB': Math.round(m.indexBytes / MiB),
}));
rows.push({
  passages: `${WIKI18_PASSAGES.toLocaleString('en-US')} (projected)`,
  'corpus MiB': '',
  'build s': Math.round(time.a + time.b * WIKI18_PASSAGES),
  'passages/s': Math.round(WIKI18_PASSAGES / (time.a + time.b * WIKI18_PASSAGES)),
  'peak RSS MiB': Math.round((memory.a + memory.b * WIKI18_PASSAGES) / MiB),
  runs: '',
  postings: '',
  'index MiB': Math.round((indexSize.a + indexSize.b * WIKI18_PASSAGES) / MiB),
});
console.log(formatTable(rows));
console.log(`\nPostings budget ${BUDGET / MiB} MiB (typed arrays, outside the JS heap); JS heap capped at ${HEAP_MIB} MiB. Linear fits: build ${time.a.toFixed(1)} s + ${(time.b * 1e6).toFixed(1)} s per million passages; peak RSS ${(memory.a / MiB).toFixed(0)} MiB + ${(memory.b * 1e6 / MiB).toFixed(0)} MiB per million passages (norms, ids and offsets, ~20 bytes a passage, plus the budget). One build thread; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. The wiki-18 row extrapolates the fit (21M recombined-lab passages, not wiki-18's own text: its passages are ~100 words as here, its vocabulary larger).`);
await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/bm25-scale.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ node: process.version, cores: cpus().length, budgetBytes: BUDGET, measured, fit: { time, memory, indexSize }, projection21M: { seconds: time.a + time.b * WIKI18_PASSAGES, peakRssBytes: memory.a + memory.b * WIKI18_PASSAGES, indexBytes: indexSize.a + indexSize.b * WIKI18_PASSAGES } }, null, 2)}\n`);
console.log(`wrote ${fileURLToPath(out)}`);
