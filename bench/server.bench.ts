/**
 * Retrieval server under concurrent load on loopback: requests/s, queries/s and latency
 * percentiles for several concurrency levels and batch sizes, BM25 over the lab world.
 * The load comes from a separate process (bench/load-client.mts).
 * Run: `npm run bench -- server` (prints a table, writes bench/results/server.json).
 * No peer: the original Python server needs FAISS-GPU, torch and the e5 model, which cannot run here.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatTable, generateLabWorld, Bm25Index, startRetrievalServer, type Row } from '@s3lab/toolkit';

const lab = generateLabWorld({ seed: 1 });
const retriever = Bm25Index.build(lab.corpus);
const server = await startRetrievalServer({ retriever, documents: lab.corpus.length, maxQueries: 1024 });
const queries = lab.splits.test.map((q) => q.question);
const loadScript = fileURLToPath(new URL('load-client.mts', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 's3lab-server-bench-'));

const rows: Row[] = [];
for (const [concurrency, batch, requests] of [[1, 1, 300], [8, 1, 1000], [32, 1, 1000], [8, 16, 200], [32, 64, 60]] as const) {
  const bodies = Array.from({ length: Math.ceil(queries.length / batch) }, (_, i) => JSON.stringify({ queries: Array.from({ length: batch }, (_, j) => queries[(i * batch + j) % queries.length]), topk: 10, return_scores: true }));
  const planPath = join(scratch, 'plan.json');
  await writeFile(planPath, JSON.stringify({ url: `${server.url}/retrieve`, bodies, concurrency, requests }));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', loadScript, planPath], { maxBuffer: 2 ** 20, timeout: 180_000 });
  const r = JSON.parse(stdout) as { ok: number; sent: number; seconds: number; p50: number; p95: number; p99: number };
  const failures = r.sent - r.ok;
  rows.push({ concurrency, 'queries/request': batch, requests: r.ok, failures, 'requests/s': r.ok / r.seconds, 'queries/s': (r.ok * batch) / r.seconds, 'p50 ms': r.p50, 'p95 ms': r.p95, 'p99 ms': r.p99 });
}
await server.close();
await rm(scratch, { recursive: true, force: true });

console.log(formatTable(rows, { digits: 1 }));
console.log(`\nBM25 top-10 over ${lab.corpus.length} lab passages; ${cpus().length} cores, Node ${process.version}; server and load generator share the machine.`);
await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/server.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ node: process.version, cores: cpus().length, passages: lab.corpus.length, rows }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
