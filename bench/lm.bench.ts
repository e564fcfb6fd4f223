/**
 * Causal LM benchmark on this CPU: prefill tokens/s (batch 1, 128-token prompt) and greedy
 * decode tokens/s (32 new tokens, KV cache, batch 1 and 8) of s3lab's tfjs TransformerLM on the
 * `wasm` and `cpu` backends, for the tiny test fixtures and a ~100M-parameter random-init Qwen2.
 *
 * Peer, same run: PyTorch CPU eager fp32 (bench/lm-peer.py, a hand-written Llama/Qwen2/GPT-2
 * forward with a KV cache; transformers is not installed here) on the same weights (what
 * `lm.save(dir)` wrote) and the same token ids, at 1 and 2 threads (tfjs-wasm in Node runs on
 * one thread). Before any timing counts, the peer's last-position logits are compared with
 * s3lab's and the greedy tokens of both sides are compared.
 *
 * Decode tokens/s = batch · (32 − 1) / (t(generate 32) − t(generate 1)): the prefill and the
 * first token are subtracted out, on both sides. Each time is the best of a few repeats after
 * a warm-up. The 100M model on the `cpu` backend (~25x slower) runs a reduced workload, marked
 * in the table. Fixtures with 128 positions prefill 127 tokens (generate 1 needs a free position) and decode from 96 (96 + 32 = 128).
 *
 * Run: `npm run bench -- lm.bench` (prints two tables, writes bench/results/lm.json; ~5 min here).
 * On a busy 2-core machine PyTorch at 2 threads can be far slower than at 1 (its OpenMP threads
 * spin against other processes): read the load average printed below the table.
 * `LM_BENCH_MODELS=qwen2-100m` (comma-separated names) limits the models.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row } from '@s3lab/toolkit';
import { createCausalLM, loadCausalLM, type TransformerLM } from '../toolkit/src/models/lm/index.js';
import type { TfjsBackendName } from '../toolkit/src/models/tfjs/index.js';
import { promptIds, QWEN2_100M, SEED } from './gpu/lm-shared.js';
import { best } from './timing.js';

const PYTHON = '/usr/bin/python3'; // Debian's, which has python3-torch (scripts/system-packages.json)
const PEER = fileURLToPath(new URL('lm-peer.py', import.meta.url));
const SCRATCH = join(tmpdir(), 's3lab-lm-bench');
const PROMPT = 128;
const NEW_TOKENS = 32;
const BATCHES = [1, 8];
const THREADS = [1, 2];

interface Workload {
  prefill: number;
  decodePrompt: number;
  newTokens: number;
  batches: number[];
  repeats: number;
  /** Shown in the table when the workload is not the standard one. */
  note: string;
}

interface Model {
  name: string;
  /** A fixture directory, or undefined for the random-init 100M Qwen2. */
  dir?: string;
  repeats: number;
}

const MODELS: Model[] = [
  ...['tiny-qwen2', 'tiny-qwen2-tied', 'tiny-llama', 'tiny-gpt2', 'tiny-chat'].map((name) => ({ name, dir: `test/fixtures/lm/${name}`, repeats: 5 })),
  // One repeat: on wasm its decode takes ~0.5 s a token (see the note printed below the table).
  { name: 'qwen2-100m', repeats: 1 },
];

function standard(maxPositions: number, repeats: number): Workload {
  return { prefill: Math.min(PROMPT, maxPositions - 1), decodePrompt: Math.min(PROMPT, maxPositions - NEW_TOKENS), newTokens: NEW_TOKENS, batches: BATCHES, repeats, note: '' };
}

/** The 100M model on tfjs's pure-JS backend: ~1 GFLOP/s, so the full workload would take minutes. */
const REDUCED: Workload = { prefill: 32, decodePrompt: 32, newTokens: 8, batches: [1], repeats: 1, note: 'reduced: prefill 32, decode b1 × 8 new' };


interface Measured {
  prefillTokensPerSecond: number;
  /** batch → decode tokens/s and the greedy tokens of that batch. */
  decode: Map<number, { tokensPerSecond: number; tokens: number[][] }>;
}

async function measureS3lab(lm: TransformerLM, w: Workload): Promise<Measured> {
  const vocab = lm.vocabSize;
  const prompt = promptIds(w.prefill, vocab);
  const greedy = { maxNewTokens: 1, stop: [] }; // no stop tokens: every row runs the full length
  await lm.generateBatch([prompt], greedy); // warm-up: first calls allocate and compile
  const prefill = await best(w.repeats, () => lm.generateBatch([prompt], greedy));
  const decode = new Map<number, { tokensPerSecond: number; tokens: number[][] }>();
  for (const batch of w.batches) {
    const prompts = Array.from({ length: batch }, (_, row) => promptIds(w.decodePrompt, vocab, row));
    // Warm-up of this batch's prefill and step shapes: XNNPACK sets up per shape, and a cold
    // t(generate 1) would inflate the subtracted time (with one repeat, absurd decode rates).
    await lm.generateBatch(prompts, { ...greedy, maxNewTokens: 2 });
    const first = await best(w.repeats, () => lm.generateBatch(prompts, greedy));
    const all = await best(w.repeats, () => lm.generateBatch(prompts, { ...greedy, maxNewTokens: w.newTokens }));
    decode.set(batch, { tokensPerSecond: (batch * (w.newTokens - 1)) / (all.seconds - first.seconds), tokens: all.value });
  }
  return { prefillTokensPerSecond: w.prefill / prefill.seconds, decode };
}

interface PeerRun {
  threads: number;
  prefillSeconds: number[];
  decode: { batch: number; seconds: number[]; tokens: number[][] }[];
}

function measureTorch(dir: string, w: Workload, vocabSize: number, logitsOut: string): { torch: string; runs: PeerRun[] } {
  const vocabPrompt = (rows: number, length: number): number[][] => Array.from({ length: rows }, (_, row) => promptIds(length, vocabSize, row));
  const spec = {
    threads: THREADS,
    parity: { ids: promptIds(w.prefill, vocabSize), out: logitsOut },
    prefill: { ids: promptIds(w.prefill, vocabSize), repeats: w.repeats },
    decode: w.batches.map((batch) => ({ prompts: vocabPrompt(batch, w.decodePrompt), newTokens: w.newTokens, repeats: w.repeats })),
  };
  const run = spawnSync(PYTHON, [PEER, dir, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`the PyTorch peer failed (Debian: python3-torch python3-numpy): ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as { torch: string; runs: PeerRun[] };
}

function minimum(values: number[]): number {
  return Math.min(...values);
}

const wanted = process.env.LM_BENCH_MODELS?.split(',').filter(Boolean);
const loadBefore = loadavg()[0]!;
const rows: Row[] = [];
const parityRows: Row[] = [];
const results: Record<string, unknown>[] = [];
let torchVersion = '';
await mkdir(SCRATCH, { recursive: true });

for (const model of MODELS.filter((m) => wanted === undefined || wanted.includes(m.name))) {
  const savedDir = join(SCRATCH, model.name);
  const started = performance.now();
  let lm = model.dir === undefined
    ? await createCausalLM(QWEN2_100M, { seed: SEED, backend: 'wasm' })
    : await loadCausalLM(model.dir, { backend: 'wasm' });
  const createSeconds = (performance.now() - started) / 1000;
  // The peer reads what s3lab saves: one fp32 file, whatever the fixture's dtype or sharding.
  await lm.save(savedDir);
  const vocabSize = lm.vocabSize;
  const params = lm.parameterCount;
  const full = standard(lm.maxPositions, model.repeats);

  // Parity first: timings of two programs that compute different things compare nothing.
  const logitsOut = join(SCRATCH, `${model.name}.torch-logits.f32`);
  const peer = measureTorch(savedDir, full, vocabSize, logitsOut);
  torchVersion = peer.torch;
  const ours = (await lm.logits(promptIds(full.prefill, vocabSize))).at(-1)!;
  const theirs = new Float32Array((await readFile(logitsOut)).buffer.slice(0));
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < ours.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((ours[i] as number) - (theirs[i] as number)));
    maxAbs = Math.max(maxAbs, Math.abs(ours[i] as number));
  }

  const perBackend: Record<string, unknown> = {};
  for (const backend of ['wasm', 'cpu'] satisfies TfjsBackendName[]) {
    if (backend === 'cpu') {
      lm.dispose();
      lm = await loadCausalLM(savedDir, { backend });
    }
    const workload = model.dir === undefined && backend === 'cpu' ? REDUCED : full;
    const measured = await measureS3lab(lm, workload);
    perBackend[backend] = { workload, prefillTokensPerSecond: measured.prefillTokensPerSecond, decode: Object.fromEntries(measured.decode) };
    const comparable = workload === full;
    const torchRate = (threads: number, which: 'prefill' | number): number | string => {
      const run = peer.runs.find((r) => r.threads === threads);
      if (!comparable || run === undefined) return '';
      if (which === 'prefill') return workload.prefill / minimum(run.prefillSeconds);
      const d = run.decode.find((x) => x.batch === which);
      return d === undefined ? '' : (which * (workload.newTokens - 1)) / minimum(d.seconds);
    };
    const push = (step: string, rate: number, which: 'prefill' | number): void => {
      const t1 = torchRate(1, which);
      rows.push({
        model: model.name, params, backend, step, 's3lab tok/s': rate, 'torch 1t tok/s': t1, 'torch 2t tok/s': torchRate(2, which),
        's3lab / torch 1t': typeof t1 === 'number' ? rate / t1 : '', note: workload.note,
      });
    };
    push(`prefill b1×${workload.prefill}`, measured.prefillTokensPerSecond, 'prefill');
    for (const [batch, d] of measured.decode) push(`decode b${batch}×${workload.newTokens} (prompt ${workload.decodePrompt})`, d.tokensPerSecond, batch);
    if (backend === 'wasm') {
      const sameTokens = (batch: number): string => {
        const torchTokens = peer.runs[0]?.decode.find((x) => x.batch === batch)?.tokens;
        const ourTokens = measured.decode.get(batch)?.tokens;
        return torchTokens === undefined || ourTokens === undefined ? '' : JSON.stringify(torchTokens) === JSON.stringify(ourTokens) ? 'yes' : 'NO';
      };
      parityRows.push({ model: model.name, params, 'max |Δ logit|': maxDiff, 'max |logit|': maxAbs, 'same greedy b1': sameTokens(1), 'same greedy b8': sameTokens(8) });
    }
  }
  lm.dispose();
  await rm(savedDir, { recursive: true, force: true });
  results.push({ model: model.name, config: model.dir === undefined ? QWEN2_100M : model.dir, params, createSeconds, parity: { maxAbsLogitDiff: maxDiff, maxAbsLogit: maxAbs }, s3lab: perBackend, torch: peer.runs.map((r) => ({ ...r, decode: r.decode.map(({ tokens: _, ...rest }) => rest) })) });
}
const loadAfter = loadavg()[0]!;

console.log(formatTable(rows, { digits: 2 }));
console.log('\nparity (wasm vs PyTorch fp32, same weights; logits of the last prompt position, greedy tokens of the decode rows):');
console.log(formatTable(parityRows.map((r) => ({ ...r, 'max |Δ logit|': (r['max |Δ logit|'] as number).toExponential(2) })), { digits: 3 }));
const environment = { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, torch: torchVersion, torchThreads: THREADS, loadBefore, loadAfter };
console.log(`\ntok/s: prefill = prompt tokens / t(generate 1); decode = batch·(new − 1) / (t(generate new) − t(generate 1)); best of repeats after a warm-up.`);
console.log(`tfjs-wasm: one thread (XNNPACK, SIMD); torch ${torchVersion} eager fp32 at 1 and 2 threads. ${environment.cores} cores (${environment.cpu}), Node ${process.version}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/lm.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ environment, rows, parity: parityRows, results }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
