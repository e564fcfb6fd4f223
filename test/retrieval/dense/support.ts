/**
 * Shared by the dense retrieval tests: seeded vectors, a brute-force search to check FAISS
 * against, temporary directories, and the Python FAISS peer (which must be installed: the
 * tests fail, not skip, without it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** A seeded generator of floats in [0, 1) (mulberry32), so every run sees the same vectors. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` random unit vectors of `dimension` floats, row-major. */
export function randomUnitVectors(n: number, dimension: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(n * dimension);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < dimension; j++) {
      const value = random() * 2 - 1;
      out[i * dimension + j] = value;
      norm += value * value;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let j = 0; j < dimension; j++) out[i * dimension + j] = (out[i * dimension + j] as number) * scale;
  }
  return out;
}

/** The exact top `k` rows by inner product, computed the slow obvious way. */
export function bruteForceInnerProduct(base: Float32Array, queries: Float32Array, dimension: number, k: number): { rows: number[]; scores: number[] }[] {
  const n = base.length / dimension;
  const results: { rows: number[]; scores: number[] }[] = [];
  for (let q = 0; q < queries.length / dimension; q++) {
    const scored: { row: number; score: number }[] = [];
    for (let r = 0; r < n; r++) {
      let dot = 0;
      for (let j = 0; j < dimension; j++) dot += (queries[q * dimension + j] as number) * (base[r * dimension + j] as number);
      scored.push({ row: r, score: dot });
    }
    scored.sort((a, b) => b.score - a.score || a.row - b.row);
    const top = scored.slice(0, k);
    results.push({ rows: top.map((s) => s.row), scores: top.map((s) => s.score) });
  }
  return results;
}

/** A fresh temporary directory, removed by the returned function. */
export async function temporaryDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 's3lab-dense-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Runs a Python script with FAISS and NumPy; fails the test with the Debian package names if they are missing. */
export function runPython(script: string, args: string[] = []): string {
  const probe = spawnSync(PYTHON, ['-c', 'import faiss, numpy'], { encoding: 'utf8' });
  assert.equal(
    probe.status,
    0,
    `these tests compare against Python FAISS: they need ${PYTHON} with faiss and numpy (Debian packages python3-faiss ` +
      `and python3-numpy; \`npm test\` run as root installs them): ${probe.error?.message ?? probe.stderr}`,
  );
  const run = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, `python failed: ${run.stderr}`);
  return run.stdout;
}
