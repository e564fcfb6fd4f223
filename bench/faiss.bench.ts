/**
 * Dense search benchmark: exact (Flat) inner-product search over N random unit vectors of
 * dimension 768 (e5-base-v2's), k = 10, batches of 1, 64 and 512 queries, plus add()
 * throughput: s3lab's native binding against Python FAISS (python3-faiss, the same libfaiss
 * build and BLAS) on the same vectors, read by both from the same file. Also what feeding
 * faiss-node costs before it even starts (it takes number[], not Float32Array).
 *
 * Run: `npm run bench -- faiss` (prints a table, writes bench/results/faiss.json).
 * `FAISS_BENCH_SIZES=100000` limits the sizes (default 100000,1000000). items/s: rows for add, queries for search.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row } from '@s3lab/toolkit';
import { FaissIndex, getFaissThreads } from '../toolkit/src/retrieval/dense/index.js';

const DIMENSION = 768;
const K = 10;
const SIZES = (process.env.FAISS_BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const QUERY_POOL = 2048;
const PYTHON = '/usr/bin/python3';
const PEER = fileURLToPath(new URL('faiss-peer.py', import.meta.url));
const CACHE = join(tmpdir(), 's3lab-faiss-bench');

/** Batches and repeats per size: fewer repeats where one search takes seconds (reference BLAS is single-threaded). */
function plan(n: number): [nq: number, repeats: number][] {
  return n <= 100_000 ? [[1, 50], [64, 3], [512, 2]] : [[1, 20], [64, 1], [512, 1]];
}

/** Seeded uniform floats (mulberry32), normalised per row: the same vectors on every run. */
function unitVectors(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(n * DIMENSION);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < DIMENSION; j++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const value = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
      out[i * DIMENSION + j] = value;
      norm += value * value;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let j = i * DIMENSION; j < (i + 1) * DIMENSION; j++) out[j] = (out[j] as number) * scale;
  }
  return out;
}

/** The vectors of `file` (made once and cached, since 1M × 768 takes a while to generate). */
async function vectorsFile(name: string, n: number, seed: number): Promise<{ path: string; vectors: Float32Array }> {
  const path = join(CACHE, `${name}-${n}x${DIMENSION}-seed${seed}.f32`);
  const bytes = n * DIMENSION * 4;
  if (existsSync(path) && statSync(path).size === bytes) {
    const vectors = new Float32Array(n * DIMENSION);
    const handle = await open(path, 'r');
    const view = new Uint8Array(vectors.buffer);
    for (let offset = 0; offset < bytes;) offset += (await handle.read(view, offset, Math.min(1 << 30, bytes - offset), offset)).bytesRead;
    await handle.close();
    return { path, vectors };
  }
  const vectors = unitVectors(n, seed);
  await mkdir(CACHE, { recursive: true });
  const handle = await open(`${path}.tmp`, 'w');
  const view = new Uint8Array(vectors.buffer);
  for (let offset = 0; offset < bytes;) offset += (await handle.write(view, offset, Math.min(1 << 30, bytes - offset), offset)).bytesWritten;
  await handle.close();
  await rename(`${path}.tmp`, path);
  return { path, vectors };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Side {
  addSeconds: number;
  searches: Record<string, number[]>;
}

async function measureS3lab(base: Float32Array, queries: Float32Array, steps: [number, number][]): Promise<{ side: Side; labels: Map<number, BigInt64Array> }> {
  const index = FaissIndex.create({ dimension: DIMENSION });
  let started = performance.now();
  await index.add(base);
  const addSeconds = (performance.now() - started) / 1000;
  const searches: Record<string, number[]> = {};
  const labels = new Map<number, BigInt64Array>();
  for (const [nq, repeats] of steps) {
    await index.search(queries.subarray((QUERY_POOL - nq) * DIMENSION), nq, K); // warm-up, same rows as Python's
    const seconds: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const batch = queries.subarray(r * nq * DIMENSION, (r + 1) * nq * DIMENSION);
      started = performance.now();
      const result = await index.search(batch, nq, K);
      seconds.push((performance.now() - started) / 1000);
      if (r === 0) labels.set(nq, result.labels);
    }
    searches[String(nq)] = seconds;
  }
  return { side: { addSeconds, searches }, labels };
}

function measurePython(basePath: string, queriesPath: string, steps: [number, number][], labelsOut: string): Side & { faiss: string; threads: number } {
  const run = spawnSync(PYTHON, [PEER, basePath, queriesPath, String(DIMENSION), String(K), JSON.stringify(steps), labelsOut], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`the Python FAISS peer failed (Debian: python3-faiss python3-numpy): ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as Side & { faiss: string; threads: number };
}

/** What faiss-node's add(number[]) / search(number[]) make a caller do first: a Float32Array as a JS array. */
function faissNodeConversion(vectors: Float32Array, rows: number): number {
  const started = performance.now();
  const array = Array.from(vectors.subarray(0, rows * DIMENSION));
  const seconds = (performance.now() - started) / 1000;
  if (array.length !== rows * DIMENSION) throw new Error('unreachable');
  return seconds;
}

const rows: Row[] = [];
const results: Record<string, unknown>[] = [];
const { path: queriesPath, vectors: queries } = await vectorsFile('queries', QUERY_POOL, 7);
let pythonInfo = { faiss: '', threads: 0 };

for (const n of SIZES) {
  const needed = n * DIMENSION * 4 * 3; // our input + our index + Python's copy
  if (needed > freemem()) {
    console.log(`skipping N = ${n}: needs about ${(needed / 2 ** 30).toFixed(1)} GiB, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`);
    continue;
  }
  const { path: basePath, vectors: base } = await vectorsFile('base', n, 1);
  const steps = plan(n);
  const ours = await measureS3lab(base, queries, steps);
  const labelsOut = join(CACHE, `python-labels-${n}`);
  const python = measurePython(basePath, queriesPath, steps, labelsOut);
  pythonInfo = { faiss: python.faiss, threads: python.threads };

  rows.push({ N: n, step: 'add (all N)', nq: '', 's3lab ms': ours.side.addSeconds * 1000, 'python ms': python.addSeconds * 1000, 's3lab / python': ours.side.addSeconds / python.addSeconds, 's3lab items/s': n / ours.side.addSeconds, 'python items/s': n / python.addSeconds, 'same top-k': '' });
  for (const [nq] of steps) {
    const mine = median(ours.side.searches[String(nq)] ?? []);
    const theirs = median(python.searches[String(nq)] ?? []);
    const pyLabels = new BigInt64Array((await readFile(`${labelsOut}.${nq}`)).buffer.slice(0));
    const ourLabels = ours.labels.get(nq);
    const same = ourLabels !== undefined && ourLabels.length === pyLabels.length && ourLabels.every((label, i) => label === pyLabels[i]);
    rows.push({ N: n, step: `search k=${K}`, nq, 's3lab ms': mine * 1000, 'python ms': theirs * 1000, 's3lab / python': mine / theirs, 's3lab items/s': nq / mine, 'python items/s': nq / theirs, 'same top-k': same ? 'yes' : 'NO' });
  }
  results.push({ n, dimension: DIMENSION, k: K, plan: steps, s3lab: ours.side, python: { addSeconds: python.addSeconds, searches: python.searches } });
}

const conversionRows = 10_000;
const { vectors: small } = await vectorsFile('base', 100_000, 1);
const conversion = faissNodeConversion(small, conversionRows);

console.log(formatTable(rows, { digits: 2 }));
console.log(`\nfaiss-node takes number[]: converting ${conversionRows} × ${DIMENSION} from Float32Array costs ${(conversion * 1000).toFixed(0)} ms in JS before its native copy (s3lab passes the Float32Array itself: 0 ms)`);
const environment = { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, faissThreads: getFaissThreads(), python: pythonInfo, blas: 'libblas.so.3 (Debian alternatives; the same library for both sides)' };
console.log(`\nmedian of repeats (see plan in the JSON), after one warm-up search; ${environment.cores} cores (${environment.cpu}), FAISS threads ${environment.faissThreads}, Python faiss ${pythonInfo.faiss} with ${pythonInfo.threads} threads, Node ${process.version}`);

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/faiss.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ environment, rows, results, faissNodeConversion: { rows: conversionRows, seconds: conversion } }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
