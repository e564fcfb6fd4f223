/**
 * Each of s3lab's three servers under sustained load, as users run them (`s3lab serve retriever`,
 * `serve llm`, `serve reward`, each its own process): 64 loopback clients for 60 s, each sending
 * its next request when the last is answered (and waiting the `Retry-After` of a 503). Reports
 * requests/s, latency p50/p99 of answered requests, every status, timeouts (30 s) and network
 * errors, and the server's resident memory before the load, halfway through it, at its end, at its
 * peak and 3 s after it (halfway against the end: flat once warmed up, or growing).
 *
 * Workloads: the retriever answers BM25 top-3 over the lab world for one test question; the LLM
 * server answers a chat completion of the lab generator (16 tokens); the reward server scores one
 * scripted-searcher transcript with the lab generator (span match, RAG cache precomputed here).
 *
 * Run: `npm run bench -- server-load` (prints a table, writes bench/results/server-load.json).
 * SERVER_LOAD_SECONDS and SERVER_LOAD_CLIENTS change the load (defaults 60 and 64).
 * No peer: the original Python servers need FAISS-GPU, vLLM and the e5 model, which cannot run here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  Bm25Index, formatTable, loadLocalChatModel, normalizeQuestion, precomputeRagCache, readCorpus, runScriptedSearcher, trajectoryTranscript, type Row,
} from '@s3lab/toolkit';

const seconds = Number(process.env.SERVER_LOAD_SECONDS ?? 60);
const clients = Number(process.env.SERVER_LOAD_CLIENTS ?? 64);
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'toolkit/bin/s3lab.js');
const loadClient = fileURLToPath(new URL('load-client.mts', import.meta.url));
const generatorDir = join(root, 'datasets/models/lab-generator');
const scratch = await mkdtemp(join(tmpdir(), 's3lab-server-load-'));

interface LabQuestion { id: string; question: string; golden_answers: string[] }
const readSplit = (split: string): LabQuestion[] => readFileSync(join(root, `datasets/lab/${split}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as LabQuestion);

/** The workloads' request bodies, built once. */
async function workloads(): Promise<{ retriever: string[]; llm: string[]; reward: string[]; ragCache: string }> {
  const test = readSplit('test');
  const train = readSplit('train').slice(0, 32);
  const retriever = test.map((q) => JSON.stringify({ queries: [q.question], topk: 3, return_scores: true }));
  const llm = test.map((q) => JSON.stringify({ model: 'lab-generator', messages: [{ role: 'user', content: q.question }], max_tokens: 16 }));
  const index = Bm25Index.build(await readCorpus(join(root, 'datasets/lab/corpus.jsonl')).toArray());
  const generator = await loadLocalChatModel(generatorDir);
  const ragCache = join(scratch, 'rag-cache.jsonl');
  try {
    await precomputeRagCache({ questions: train, retriever: index, generator, out: ragCache, dataSource: 'lab', maxTokens: 16 });
  } finally {
    generator.dispose();
  }
  const trajectories = await runScriptedSearcher({ questions: train.map((q) => normalizeQuestion(q.question)), retriever: index, retrieverKind: 'bm25' });
  const reward = trajectories.map((t, i) => JSON.stringify({ items: [{ solution_str: trajectoryTranscript(t), ground_truth: { target: train[i]?.golden_answers ?? [] }, data_source: 'lab' }] }));
  return { retriever, llm, reward, ragCache };
}

/** Starts `s3lab serve …` and resolves with its URL once it prints the line saying where it serves. */
async function startServer(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /(http:\/\/[^\s/]+)/u.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`s3lab serve ${args[0]} exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

/** Resident memory of a process in MB (Linux). */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/\d+/u.exec(line)?.[0] ?? NaN) / 1024;
}

interface LoadResult { sent: number; ok: number; statuses: Record<string, number>; timeouts: number; networkErrors: number; seconds: number; p50: number; p99: number }

async function measure(name: string, args: string[], path: string, bodies: string[]): Promise<Row> {
  const { child, url } = await startServer(args);
  const pid = child.pid as number;
  const plan = join(scratch, `${name}.plan.json`);
  await writeFile(plan, JSON.stringify({ url: `${url}${path}`, bodies, concurrency: clients, seconds, timeoutMs: 30_000 }));
  const before = rssMb(pid);
  let peak = before;
  let halfway = NaN;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 200);
  // Memory at half time against the end shows whether it is flat under load once warmed up.
  const halfwayTimer = setTimeout(() => (halfway = rssMb(pid)), (seconds * 1000) / 2);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', loadClient, plan], { maxBuffer: 2 ** 20, timeout: (seconds + 120) * 1000 });
  clearInterval(sampler);
  clearTimeout(halfwayTimer);
  const end = rssMb(pid);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const after = rssMb(pid);
  const health = await fetch(`${url}/health`).then((r) => r.status, () => 0);
  child.kill('SIGTERM');
  const r = JSON.parse(stdout) as LoadResult;
  const errors = r.timeouts + r.networkErrors + Object.entries(r.statuses).filter(([status]) => status !== '200' && status !== '503').reduce((n, [, count]) => n + count, 0);
  const row: Row = {
    server: name, clients, 'req/s': r.ok / r.seconds, 'p50 ms': r.p50, 'p99 ms': r.p99, answered: r.ok, 'refused (503)': r.statuses['503'] ?? 0, errors,
    'health after': health, 'RSS before MB': before, 'RSS halfway MB': halfway, 'RSS end MB': end, 'RSS peak MB': peak, 'RSS after MB': after,
  };
  console.log(`${name}: ${JSON.stringify({ ...r, before, halfway, end, peak, after, health })}`);
  return row;
}

const bodies = await workloads();
const bm25 = join(scratch, 'bm25');
await promisify(execFile)(process.execPath, [cli, 'index', 'bm25', '--corpus', join(root, 'datasets/lab/corpus.jsonl'), '--out', bm25]);
const rows: Row[] = [];
rows.push(await measure('retriever', ['retriever', '--index', bm25], '/retrieve', bodies.retriever));
rows.push(await measure('llm', ['llm', '--model', generatorDir], '/v1/chat/completions', bodies.llm));
rows.push(await measure('reward', ['reward', '--generator', generatorDir, '--judge', 'none', '--rag-cache', bodies.ragCache, '--max-tokens', '16'], '/reward', bodies.reward));
await rm(scratch, { recursive: true, force: true });

console.log(formatTable(rows, { digits: 1 }));
console.log(`\n${clients} loopback clients for ${seconds} s per server (30 s client timeout; a 503 waits its Retry-After); ${cpus().length} cores, Node ${process.version}; servers and load share the machine. "errors" counts every answer other than 200 and 503, timeouts and network errors.`);
await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/server-load.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ node: process.version, cores: cpus().length, seconds, clients, rows }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
