/**
 * BM25 benchmark: s3lab against Lucene 8 (the Pyserini configuration, through bench/lucene/) on the
 * lab world and on a large corpus made by recombining lab sentences, with the same queries, the same
 * k and the same cores: build time and peak memory, index size, open time, query throughput single
 * and batched, and how many of Lucene's top-10 hits s3lab returns.
 * Run: `node --conditions=s3lab-source --import tsx bench/bm25.bench.ts` (or `npm run bench -- bm25`);
 * prints a table, writes bench/results/bm25.json. BM25_BENCH_PASSAGES sets the large corpus size
 * (default 1,000,000).
 *
 * The JS peer is minisearch (a root devDependency), on the lab world only: it keeps its whole
 * inverted index in JS objects, and a million passages do not fit a default Node heap. Its scoring
 * is its own BM25+ variant with its own tokenizer (no stemming, no stop words), not Lucene's, so its
 * top-10 overlap measures how close a different BM25 lands, not a bug; it has no batch API (one thread).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import MiniSearch from 'minisearch';
import { buildBm25Index, formatTable, openBm25Index, type Hit, type Row } from '@s3lab/toolkit';
import { runLucene } from './lucene/harness.js';
import { recombinedCorpus } from './recombined-corpus.js';

const K = 10;
const THREADS = availableParallelism();
const LAB_CORPUS = fileURLToPath(new URL('../datasets/lab/corpus.jsonl', import.meta.url));
const LAB_TEST = fileURLToPath(new URL('../datasets/lab/test.jsonl', import.meta.url));
const BIG_PASSAGES = Number(process.env.BM25_BENCH_PASSAGES ?? 1_000_000);

if (process.argv[2] === '--child-build') {
  // Runs in its own process so that its peak RSS is the build's alone.
  const [corpusPath, outDir] = process.argv.slice(3) as [string, string];
  const stats = await buildBm25Index({ corpusPath, outDir });
  process.stdout.write(`${JSON.stringify({ ...stats, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}

interface Measured {
  buildSeconds: number;
  peakRssBytes: number;
  indexBytes: number;
  openSeconds: number;
  singleQps: number;
  batchQps: number;
  hits: Hit[][];
  builderBytesPerPassage: number;
}

function labQueries(): string[] {
  return readFileSync(LAB_TEST, 'utf8').trim().split('\n').flatMap((line) => {
    const q = JSON.parse(line) as { question: string; decomposition?: string[] };
    return [q.question, ...(q.decomposition ?? [])];
  });
}

async function measureS3lab(corpusPath: string, queries: string[], workDir: string): Promise<Measured> {
  const outDir = join(workDir, 's3lab-index');
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child-build', corpusPath, outDir], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`s3lab build failed:\n${child.stderr}`);
  const built = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; peakRssBytes: number; indexBytes: number; builderBytesPerPassage: number };

  const openStart = performance.now();
  const index = await openBm25Index(outDir, { threads: THREADS });
  const openSeconds = (performance.now() - openStart) / 1000;
  // Warm V8 on the same work, as the Lucene harness warms its JIT.
  for (const q of queries) index.searchOne(q, K);
  const singleStart = performance.now();
  const hits = queries.map((q) => index.searchOne(q, K));
  const singleSeconds = (performance.now() - singleStart) / 1000;
  // Starts the worker threads and warms them: each has its own JIT (a JVM's pool shares one), and a
  // worker that is still booting during the first batch gets no queries from it.
  for (let i = 0; i < 3; i++) await index.search(queries, K);
  const batchRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const batchStart = performance.now();
    await index.search(queries, K);
    batchRuns.push((performance.now() - batchStart) / 1000);
  }
  const batchSeconds = batchRuns.sort((a, b) => a - b)[1] as number; // the median of three
  await index.close();
  return {
    buildSeconds: built.seconds, peakRssBytes: built.peakRssBytes, indexBytes: built.indexBytes, openSeconds,
    singleQps: queries.length / singleSeconds, batchQps: queries.length / batchSeconds, hits, builderBytesPerPassage: built.builderBytesPerPassage,
  };
}

/** minisearch over the same passages and queries: build time, single-thread throughput, its top k ids. */
function measureMiniSearch(corpusPath: string, queries: string[]): { buildSeconds: number; singleQps: number; ids: string[][] } {
  const docs = readFileSync(corpusPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; contents: string });
  const buildStart = performance.now();
  const mini = new MiniSearch<{ id: string; contents: string }>({ fields: ['contents'], storeFields: [] });
  mini.addAll(docs);
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const search = (q: string): string[] => mini.search(q, { combineWith: 'OR' }).slice(0, K).map((r) => String(r.id));
  for (const q of queries) search(q);
  const start = performance.now();
  const ids = queries.map(search);
  return { buildSeconds, singleQps: queries.length / ((performance.now() - start) / 1000), ids };
}

function overlap(ours: (Hit | string)[][], lucene: [string, number][][]): number {
  let same = 0;
  let total = 0;
  lucene.forEach((theirs, i) => {
    const ids = new Set((ours[i] ?? []).map((h) => (typeof h === 'string' ? h : h.id)));
    total += theirs.length;
    same += theirs.filter(([id]) => ids.has(id)).length;
  });
  return total === 0 ? 1 : same / total;
}

/** A deterministic large corpus: each passage a lab title and 6–10 sentences drawn from the whole lab corpus. */
const rows: Row[] = [];
const results: Record<string, unknown>[] = [];
const MiB = 2 ** 20;

async function compare(name: string, corpusPath: string, passages: number, queries: string[], withMiniSearch = false): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 's3lab-bm25-bench-'));
  try {
    process.stderr.write(`${name}: s3lab …\n`);
    const ours = await measureS3lab(corpusPath, queries, workDir);
    process.stderr.write(`${name}: Lucene …\n`);
    const lucene = runLucene({ corpusPath, queries, k: K, threads: THREADS, indexDir: join(workDir, 'lucene-index'), heap: '6g' });
    const agreement = overlap(ours.hits, lucene.hits);
    const t = lucene.timings;
    rows.push(
      { corpus: name, system: 's3lab', passages, 'build s': ours.buildSeconds, 'build peak RSS MiB': ours.peakRssBytes / MiB, 'index MiB': ours.indexBytes / MiB, 'index B/passage': ours.indexBytes / passages, 'open s': ours.openSeconds, 'q/s 1 thread': ours.singleQps, [`q/s ${THREADS} threads`]: ours.batchQps, 'top-10 overlap': agreement },
      { corpus: name, system: 'Lucene 8.7', passages, 'build s': t.buildSeconds, 'build peak RSS MiB': t.peakRssBytes / MiB, 'index MiB': t.indexBytes / MiB, 'index B/passage': t.indexBytes / passages, 'open s': t.openSeconds, 'q/s 1 thread': t.queries / t.singleSeconds, [`q/s ${THREADS} threads`]: t.queries / t.batchSeconds, 'top-10 overlap': 1 },
    );
    let mini: Omit<ReturnType<typeof measureMiniSearch>, 'ids'> & { top10Overlap: number } | undefined;
    if (withMiniSearch) {
      process.stderr.write(`${name}: minisearch …\n`);
      const { ids, ...measured } = measureMiniSearch(corpusPath, queries);
      mini = { ...measured, top10Overlap: overlap(ids, lucene.hits) };
      rows.push({ corpus: name, system: 'minisearch 7 (own BM25+)', passages, 'build s': mini.buildSeconds, 'q/s 1 thread': mini.singleQps, 'top-10 overlap': mini.top10Overlap });
    }
    results.push({ corpus: name, passages, queries: queries.length, k: K, threads: THREADS, s3lab: { ...ours, hits: undefined }, lucene: t, minisearch: mini, top10Overlap: agreement });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const queries = labQueries();
await compare('lab world', LAB_CORPUS, readFileSync(LAB_CORPUS, 'utf8').trim().split('\n').length, queries, true);

const bigDir = await mkdtemp(join(tmpdir(), 's3lab-bm25-big-'));
try {
  const bigCorpus = join(bigDir, 'corpus.jsonl');
  process.stderr.write(`generating ${BIG_PASSAGES} recombined passages …\n`);
  await recombinedCorpus(bigCorpus, BIG_PASSAGES);
  await compare(`recombined ${(BIG_PASSAGES / 1e6).toString()}M`, bigCorpus, BIG_PASSAGES, queries.slice(0, 1000));
} finally {
  await rm(bigDir, { recursive: true, force: true });
}

console.log(formatTable(rows, { digits: 3 }));
console.log(`\nk = ${K}; lab: ${queries.length} queries (test questions and their decomposition steps), large corpus: the first 1000 of them.`);
console.log(`Build: s3lab streams the corpus into its on-disk format (peak RSS of the build process); Lucene builds one segment (IndexWriter, DOCS_AND_FREQS, stored contents, forceMerge(1); peak RSS of its JVM).`);
console.log(`Throughput: after one warm-up pass each (s3lab's batches: three, then the median of three); s3lab's includes parsing and materialising hits (id, title, text), Lucene's is IndexSearcher.search alone. ${cpus().length} cores, Node ${process.version}. minisearch (lab world only; in-memory build time, no batch API) scores with its own BM25+ and tokenizer, not Lucene's: its overlap is with a different ranking function.`);

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/bm25.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ node: process.version, cores: cpus().length, rows, results }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
