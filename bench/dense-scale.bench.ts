/**
 * Dense indexing at scale: s3lab's Flat build (checkpointed, bounded memory) and its streamed
 * exact search on generated 1M and 5M × 768 unit vectors (e5-base-v2's dimension). Each size runs
 * in its own process, whose peak RSS is read from the kernel. Prints build time, rows/s, peak RSS
 * and index size per size, the streamed search's queries/s and peak RSS, then linear fits and
 * their projection to wiki-18's 21M passages; writes bench/results/dense-scale.json.
 *
 * What is not here: encoding. The vectors are generated, because encoding 5M passages with
 * e5-base-v2 takes days on two cores; encoder throughput is measured by bench/encoder.bench.ts
 * (CPU) and bench/gpu (WebGPU and PyTorch on an H200), and the note combines them.
 *
 * Run: `npm run bench -- dense-scale` (~6 min here; `DENSE_SCALE_ROWS=200000,1000000` for a quicker
 * look). Needs about 2 × 4 × 768 bytes a row of free disk while a build runs (checkpoint + index).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDenseIndex, FlatScanIndex, formatTable, type DenseBatch, type Row } from '@s3lab/toolkit';
import { fit } from './linear-fit.js';

const WIKI18_PASSAGES = 21_015_324;
const DIMENSION = 768;
const SIZES = (process.env.DENSE_SCALE_ROWS ?? '1000000,5000000').split(',').map(Number);
const BATCH = 4096;
const QUERIES = 64;
const HEAP_MIB = 256;
const MiB = 2 ** 20;

/** Seeded unit vectors, batch by batch (xorshift32: fast enough that the build, not the generator, is timed). */
function* vectors(rows: number, seconds: { generating: number }): Generator<DenseBatch> {
  let s = 12345;
  for (let first = 0; first < rows; first += BATCH) {
    const started = performance.now();
    const n = Math.min(BATCH, rows - first);
    const batch: { id: string; vector: Float32Array }[] = [];
    for (let r = 0; r < n; r++) {
      const vector = new Float32Array(DIMENSION);
      let norm = 0;
      for (let j = 0; j < DIMENSION; j++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const value = (s >>> 0) / 2147483648 - 1;
        vector[j] = value;
        norm += value * value;
      }
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < DIMENSION; j++) vector[j] = (vector[j] as number) * scale;
      batch.push({ id: String(first + r), vector });
    }
    seconds.generating += (performance.now() - started) / 1000;
    yield batch;
  }
}

if (process.argv[2] === '--child-build') {
  const [directory, rows] = [process.argv[3] as string, Number(process.argv[4])];
  const seconds = { generating: 0 };
  const started = performance.now();
  const built = await buildDenseIndex(vectors(rows, seconds), { directory, dimension: DIMENSION, encoder: 'generated', checkpointEvery: BATCH * 16, open: false });
  const total = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ rows: built.size, seconds: total - seconds.generating, generatingSeconds: seconds.generating, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}

if (process.argv[2] === '--child-search') {
  const directory = process.argv[3] as string;
  const index = await FlatScanIndex.open(join(directory, 'index.faiss'), { residentMiB: 0 });
  const queries = new Float32Array(QUERIES * DIMENSION).map((_, i) => Math.sin(i * 0.37));
  const started = performance.now();
  const hits = await index.searchVectors(queries, QUERIES, 10);
  const seconds = (performance.now() - started) / 1000;
  await index.dispose();
  process.stdout.write(`${JSON.stringify({ seconds, hits: hits.length, shardRows: index.shardRows, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}

interface Measured {
  rows: number;
  buildSeconds: number;
  generatingSeconds: number;
  buildPeakRssBytes: number;
  indexBytes: number;
  searchSeconds: number;
  searchPeakRssBytes: number;
}

function child(args: string[]): Record<string, number> {
  // A capped JS heap: vectors live in typed arrays outside it, and the cap keeps V8 from growing the heap lazily.
  const run = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, ...process.execArgv, fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, number>;
}

const measured: Measured[] = [];
const workDir = await mkdtemp(join(tmpdir(), 's3lab-dense-scale-'));
try {
  for (const rows of SIZES) {
    const directory = join(workDir, `index-${rows}`);
    process.stderr.write(`${rows} rows: building …\n`);
    const build = child(['--child-build', directory, String(rows)]);
    process.stderr.write(`${rows} rows: searching (streamed) …\n`);
    const search = child(['--child-search', directory]);
    measured.push({
      rows, buildSeconds: build.seconds as number, generatingSeconds: build.generatingSeconds as number, buildPeakRssBytes: build.peakRssBytes as number,
      indexBytes: statSync(join(directory, 'index.faiss')).size, searchSeconds: search.seconds as number, searchPeakRssBytes: search.peakRssBytes as number,
    });
    await rm(directory, { recursive: true });
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const at = (line: { a: number; b: number }, x: number) => line.a + line.b * x;
const time = fit(measured.map((m) => [m.rows, m.buildSeconds]));
const memory = fit(measured.map((m) => [m.rows, m.buildPeakRssBytes]));
const searchTime = fit(measured.map((m) => [m.rows, m.searchSeconds]));
const searchMemory = fit(measured.map((m) => [m.rows, m.searchPeakRssBytes]));
const rows: Row[] = measured.map((m) => ({
  rows: m.rows.toLocaleString('en-US'),
  'build s': Number(m.buildSeconds.toFixed(1)),
  'rows/s': Math.round(m.rows / m.buildSeconds),
  'build peak RSS MiB': Math.round(m.buildPeakRssBytes / MiB),
  'index MiB': Math.round(m.indexBytes / MiB),
  [`search ${QUERIES}q s`]: Number(m.searchSeconds.toFixed(1)),
  'search peak RSS MiB': Math.round(m.searchPeakRssBytes / MiB),
}));
rows.push({
  rows: `${WIKI18_PASSAGES.toLocaleString('en-US')} (projected)`,
  'build s': Math.round(at(time, WIKI18_PASSAGES)),
  'rows/s': Math.round(WIKI18_PASSAGES / at(time, WIKI18_PASSAGES)),
  'build peak RSS MiB': Math.round(at(memory, WIKI18_PASSAGES) / MiB),
  'index MiB': Math.round((45 + WIKI18_PASSAGES * DIMENSION * 4) / MiB),
  [`search ${QUERIES}q s`]: Number(at(searchTime, WIKI18_PASSAGES).toFixed(1)),
  'search peak RSS MiB': Math.round(at(searchMemory, WIKI18_PASSAGES) / MiB),
});
console.log(formatTable(rows));
console.log(`\nGenerated unit vectors of ${DIMENSION} floats (their generation, ${measured.map((m) => m.generatingSeconds.toFixed(0)).join(' / ')} s, is not counted); batches of ${BATCH}, a checkpoint commit every ${BATCH * 16} rows, then index.faiss written from the checkpoint in one pass. Linear fits: build ${time.a.toFixed(1)} s + ${(time.b * 1e6).toFixed(1)} s per million rows, peak RSS ${(memory.a / MiB).toFixed(0)} MiB + ${((memory.b * 1e6) / MiB).toFixed(1)} MiB per million rows; streamed search of ${QUERIES} queries ${searchTime.a.toFixed(1)} s + ${(searchTime.b * 1e6).toFixed(1)} s per million rows (tfjs WASM, 65,536-row shards read from disk; the page cache holds what memory allows). ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`);
await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/dense-scale.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ node: process.version, cores: cpus().length, dimension: DIMENSION, queries: QUERIES, measured, fit: { time, memory, searchTime, searchMemory } }, null, 2)}\n`);
console.log(`wrote ${fileURLToPath(out)}`);
