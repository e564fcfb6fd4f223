/**
 * Causal LM benchmark on this CPU: prefill tokens/s (batch 1, 128-token prompt) and greedy
 * decode tokens/s (32 new tokens, KV cache, batch 1 and 8) of s3lab's runtimes side by side:
 * tfjs `TransformerLM` on the `wasm` and `cpu` backends, and ONNX Runtime (`OnnxCausalLM`, what
 * `loadInferenceLM` picks for Llama/Qwen2 on the CPU) at 1 thread and at every core. Models: the
 * tiny test fixtures, the shipped lab searcher and lab generator, and a ~100M-parameter
 * random-init Qwen2.
 *
 * Peer, same run, when this machine has it: PyTorch CPU eager fp32 (bench/lm-peer.py, a
 * hand-written Llama/Qwen2/GPT-2 forward with a KV cache; transformers is not installed here) on
 * the same weights (what `lm.save(dir)` wrote) and the same token ids, at 1 and 2 threads. Where
 * `python3 -c "import torch"` fails the peer columns stay empty and the run says so.
 *
 * Parity before any timing counts: the last-position logits of ONNX Runtime against tfjs-wasm
 * (and both against PyTorch when it runs), and the greedy tokens of every decode row compared.
 *
 * Decode tokens/s = batch · (32 − 1) / (t(generate 32) − t(generate 1)): the prefill and the
 * first token are subtracted out, on every side. Each time is the best of a few repeats after a
 * warm-up. tfjs's `cpu` backend (pure JavaScript, ~25x slower than wasm) runs a reduced workload
 * on models over 2M parameters, marked in the table. Fixtures with 128 positions prefill 127
 * tokens (generate 1 needs a free position) and decode from 96 (96 + 32 = 128).
 *
 * Run: `npm run bench -- lm.bench` (prints two tables, writes bench/results/lm.json; ~10 min on
 * two cores). On a busy machine multi-threaded runs (ONNX Runtime at every core, PyTorch at 2
 * threads) can be slower than single-threaded ones: read the load average printed below the table.
 * `LM_BENCH_MODELS=lab-generator,lab-searcher` (comma-separated names) limits the models.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row } from '@s3lab/toolkit';
import { createCausalLM, loadCausalLM, OnnxCausalLM, type CausalLM, type TransformerLM } from '../toolkit/src/models/lm/index.js';
import { promptIds, QWEN2_100M, SEED } from './gpu/lm-shared.js';
import { best } from './timing.js';

const PYTHON = '/usr/bin/python3'; // Debian's, which has python3-torch (scripts/system-packages.json)
const PEER = fileURLToPath(new URL('lm-peer.py', import.meta.url));
const SCRATCH = join(tmpdir(), 's3lab-lm-bench');
const PROMPT = 128;
const NEW_TOKENS = 32;
const BATCHES = [1, 8];
const TORCH_THREADS = [1, 2];
const CORES = availableParallelism();
const ORT_THREADS = [...new Set([1, CORES])];
/** Above this many parameters tfjs's pure-JavaScript backend runs the reduced workload. */
const CPU_BACKEND_FULL_LIMIT = 2_000_000;

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
  /** A model directory, or undefined for the random-init 100M Qwen2. */
  dir?: string;
  repeats: number;
}

const MODELS: Model[] = [
  ...['tiny-qwen2', 'tiny-qwen2-tied', 'tiny-llama', 'tiny-gpt2', 'tiny-chat'].map((name) => ({ name, dir: `test/fixtures/lm/${name}`, repeats: 5 })),
  { name: 'lab-searcher', dir: 'datasets/models/lab-searcher', repeats: 3 },
  { name: 'lab-generator', dir: 'datasets/models/lab-generator', repeats: 3 },
  // One repeat: on wasm its decode takes ~0.5 s a token (see the note printed below the table).
  { name: 'qwen2-100m', repeats: 1 },
];

function standard(maxPositions: number, repeats: number): Workload {
  return { prefill: Math.min(PROMPT, maxPositions - 1), decodePrompt: Math.min(PROMPT, maxPositions - NEW_TOKENS), newTokens: NEW_TOKENS, batches: BATCHES, repeats, note: '' };
}

/** Big models on tfjs's pure-JS backend: ~1 GFLOP/s, so the full workload would take minutes. */
const REDUCED: Workload = { prefill: 32, decodePrompt: 32, newTokens: 8, batches: [1], repeats: 1, note: 'reduced: prefill 32, decode b1 × 8 new' };

interface Measured {
  prefillTokensPerSecond: number;
  /** batch → decode tokens/s and the greedy tokens of that batch. */
  decode: Map<number, { tokensPerSecond: number; tokens: number[][] }>;
}

async function measure(lm: CausalLM, w: Workload): Promise<Measured> {
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

/** Why the PyTorch peer cannot run here, or undefined when it can. */
function peerMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON}: ${probe.error.message}`;
  return probe.status === 0 ? undefined : (probe.stderr.trim().split('\n').at(-1) ?? 'import torch failed');
}

function measureTorch(dir: string, w: Workload, vocabSize: number, logitsOut: string): { torch: string; runs: PeerRun[] } {
  const vocabPrompt = (rows: number, length: number): number[][] => Array.from({ length: rows }, (_, row) => promptIds(length, vocabSize, row));
  const spec = {
    threads: TORCH_THREADS,
    parity: { ids: promptIds(w.prefill, vocabSize), out: logitsOut },
    prefill: { ids: promptIds(w.prefill, vocabSize), repeats: w.repeats },
    decode: w.batches.map((batch) => ({ prompts: vocabPrompt(batch, w.decodePrompt), newTokens: w.newTokens, repeats: w.repeats })),
  };
  const run = spawnSync(PYTHON, [PEER, dir, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`the PyTorch peer failed (Debian: python3-torch python3-numpy): ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as { torch: string; runs: PeerRun[] };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

const wanted = process.env.LM_BENCH_MODELS?.split(',').filter(Boolean);
const missingPeer = peerMissing();
const loadBefore = loadavg()[0]!;
const rows: Row[] = [];
const parityRows: Row[] = [];
const results: Record<string, unknown>[] = [];
let torchVersion = '';
await mkdir(SCRATCH, { recursive: true });

for (const model of MODELS.filter((m) => wanted === undefined || wanted.includes(m.name))) {
  const savedDir = join(SCRATCH, model.name);
  const started = performance.now();
  let lm: TransformerLM = model.dir === undefined
    ? await createCausalLM(QWEN2_100M, { seed: SEED, backend: 'wasm' })
    : await loadCausalLM(model.dir, { backend: 'wasm' });
  const createSeconds = (performance.now() - started) / 1000;
  // The peer and ONNX Runtime read what s3lab saves: one fp32 file, whatever the fixture's dtype or sharding.
  await lm.save(savedDir);
  const vocabSize = lm.vocabSize;
  const params = lm.parameterCount;
  const onnx = lm.family === 'llama';
  const full = standard(lm.maxPositions, model.repeats);
  const parityIds = promptIds(full.prefill, vocabSize);

  // Parity first: timings of programs that compute different things compare nothing.
  const peer = missingPeer === undefined ? measureTorch(savedDir, full, vocabSize, join(SCRATCH, `${model.name}.torch-logits.f32`)) : undefined;
  if (peer) torchVersion = peer.torch;
  const theirs = peer ? new Float32Array((await readFile(join(SCRATCH, `${model.name}.torch-logits.f32`))).buffer.slice(0)) : undefined;
  const wasmLogits = (await lm.logits(parityIds)).at(-1)!;

  const perRuntime: Record<string, unknown> = {};
  const measured = new Map<string, { workload: Workload; result: Measured }>();
  for (const backend of ['wasm', 'cpu'] as const) {
    if (backend === 'cpu') {
      lm.dispose();
      lm = await loadCausalLM(savedDir, { backend });
    }
    const workload = backend === 'cpu' && params > CPU_BACKEND_FULL_LIMIT ? REDUCED : full;
    const result = await measure(lm, workload);
    measured.set(`tfjs-${backend}`, { workload, result });
    perRuntime[`tfjs-${backend}`] = { workload, prefillTokensPerSecond: result.prefillTokensPerSecond, decode: Object.fromEntries(result.decode) };
  }
  lm.dispose();

  let ortLogits: Float32Array | undefined;
  const sessionMilliseconds: Record<string, number> = {};
  if (onnx) {
    for (const threads of ORT_THREADS) {
      const ort = await OnnxCausalLM.load(savedDir, { threads });
      sessionMilliseconds[`${threads}t`] = ort.sessionMilliseconds;
      ortLogits ??= (await ort.logits(parityIds)).at(-1)!;
      const result = await measure(ort, full);
      measured.set(`onnx-${threads}t`, { workload: full, result });
      perRuntime[`onnx-${threads}t`] = { workload: full, sessionMilliseconds: ort.sessionMilliseconds, prefillTokensPerSecond: result.prefillTokensPerSecond, decode: Object.fromEntries(result.decode) };
      ort.dispose();
    }
  }

  const torchRate = (threads: number, which: 'prefill' | number): number | undefined => {
    const run = peer?.runs.find((r) => r.threads === threads);
    if (run === undefined) return undefined;
    if (which === 'prefill') return full.prefill / Math.min(...run.prefillSeconds);
    const d = run.decode.find((x) => x.batch === which);
    return d === undefined ? undefined : (which * (full.newTokens - 1)) / Math.min(...d.seconds);
  };
  const rate = (runtime: string, which: 'prefill' | number): number | string => {
    const m = measured.get(runtime);
    if (m === undefined) return '';
    if (which === 'prefill') return m.workload === full ? m.result.prefillTokensPerSecond : `${m.result.prefillTokensPerSecond.toFixed(1)}*`;
    const d = m.result.decode.get(which);
    if (d === undefined) return '';
    return m.workload === full ? d.tokensPerSecond : `${d.tokensPerSecond.toFixed(1)}*`;
  };
  const steps: ['prefill' | number, string][] = [['prefill', `prefill b1×${full.prefill}`], ...full.batches.map((b): [number, string] => [b, `decode b${b}×${full.newTokens} (prompt ${full.decodePrompt})`])];
  for (const [which, step] of steps) {
    const row: Row = { model: model.name, params, step, 'tfjs-wasm': rate('tfjs-wasm', which), 'tfjs-cpu': rate('tfjs-cpu', which) };
    for (const threads of ORT_THREADS) row[`ort ${threads}t`] = rate(`onnx-${threads}t`, which);
    for (const threads of TORCH_THREADS) row[`torch ${threads}t`] = torchRate(threads, which) ?? '';
    const fastestOrt = Math.max(...ORT_THREADS.map((t) => rate(`onnx-${t}t`, which)).filter((v): v is number => typeof v === 'number'));
    const wasm = rate('tfjs-wasm', which);
    row['ort / wasm'] = Number.isFinite(fastestOrt) && typeof wasm === 'number' ? fastestOrt / wasm : '';
    rows.push(row);
  }

  const sameTokens = (a: number[][] | undefined, b: number[][] | undefined): string => (a === undefined || b === undefined ? '' : JSON.stringify(a) === JSON.stringify(b) ? 'yes' : 'NO');
  const tokensOf = (runtime: string, batch: number): number[][] | undefined => measured.get(runtime)?.result.decode.get(batch)?.tokens;
  const firstOrt = `onnx-${ORT_THREADS[0]}t`;
  const parity: Row = {
    model: model.name, params,
    'ort vs wasm |Δ logit|': ortLogits ? maxAbsDiff(ortLogits, wasmLogits) : '',
    'wasm vs torch |Δ logit|': theirs ? maxAbsDiff(wasmLogits, theirs) : '',
    'ort vs torch |Δ logit|': ortLogits && theirs ? maxAbsDiff(ortLogits, theirs) : '',
    'max |logit|': Math.max(...Array.from(wasmLogits, Math.abs)),
    'ort = wasm greedy b1/b8': onnx ? BATCHES.map((b) => sameTokens(tokensOf(firstOrt, b), tokensOf('tfjs-wasm', b))).join('/') : '',
    'wasm = torch greedy b1/b8': peer ? BATCHES.map((b) => sameTokens(tokensOf('tfjs-wasm', b), peer.runs[0]?.decode.find((x) => x.batch === b)?.tokens)).join('/') : '',
    'ort session ms': onnx ? Math.min(...Object.values(sessionMilliseconds)) : '',
  };
  parityRows.push(parity);
  await rm(savedDir, { recursive: true, force: true });
  results.push({
    model: model.name, config: model.dir === undefined ? QWEN2_100M : model.dir, params, createSeconds, ortSessionMilliseconds: sessionMilliseconds,
    parity, runtimes: perRuntime, torch: peer?.runs.map((r) => ({ ...r, decode: r.decode.map(({ tokens: _, ...rest }) => rest) })) ?? null,
  });
}
const loadAfter = loadavg()[0]!;

const exponent = (v: Row[string]): Row[string] => (typeof v === 'number' ? v.toExponential(2) : v);
console.log(formatTable(rows, { digits: 1 }));
console.log(`\nparity (last-position logits of a ${PROMPT}-token prompt; greedy tokens of the decode rows) and ONNX Runtime session creation:`);
console.log(formatTable(parityRows.map((r) => ({ ...r, 'ort vs wasm |Δ logit|': exponent(r['ort vs wasm |Δ logit|']), 'wasm vs torch |Δ logit|': exponent(r['wasm vs torch |Δ logit|']), 'ort vs torch |Δ logit|': exponent(r['ort vs torch |Δ logit|']) })), { digits: 2 }));
const environment = { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, torch: torchVersion || null, peer: missingPeer ?? 'ran', torchThreads: TORCH_THREADS, ortThreads: ORT_THREADS, loadBefore, loadAfter };
console.log(`\ntok/s: prefill = prompt tokens / t(generate 1); decode = batch·(new − 1) / (t(generate new) − t(generate 1)); best of repeats after a warm-up; * = reduced workload (${REDUCED.note}).`);
console.log(`tfjs-wasm: one thread (XNNPACK, SIMD); ONNX Runtime CPU at ${ORT_THREADS.join(' and ')} intra-op threads; ${missingPeer === undefined ? `torch ${torchVersion} eager fp32 at ${TORCH_THREADS.join(' and ')} threads` : `PyTorch peer not run here (${missingPeer})`}.`);
console.log(`${environment.cores} cores (${environment.cpu}), Node ${process.version}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/lm.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ environment, rows, parity: parityRows, results }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
