/**
 * Causal LM on a GPU: s3lab's tfjs TransformerLM on tfjs's WebGPU backend (Dawn's `webgpu`
 * package over Vulkan, headless) against PyTorch CUDA eager on the same weights, for the ~100M
 * Qwen2 of bench/gpu/lm-shared.ts (the CPU bench's model, same seed).
 * Prefill tokens/s (batch 1 × 512, batch 8 × 128) and greedy decode tokens/s (batch 1 and 8,
 * 32 new tokens after a 128-token prompt, KV cache, every token read back as generation does).
 * Peer, same run: bench/gpu/lm-peer-cuda.py (transformers' Qwen2ForCausalLM, fp32 with TF32
 * off, and bf16 for reference). The peer's last-position logits are compared with WebGPU's
 * (fp32 should agree within ~1e-3) and the greedy tokens of both are compared.
 *
 * Runs on the device machine only (no GPU here): `bash bench/gpu/run.sh prepare` bundles this file
 * with esbuild here, and bench/gpu/run.sh runs the bundle there. Writes the table and JSON to
 * $OUT/lm-webgpu.json (bench/results/lm-webgpu.json when OUT is unset).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable, type Row } from '../../toolkit/src/core/text-table.js';
// The modules themselves, not the package index, which also loads ONNX Runtime (not carried to the GPU machine).
import { createCausalLM } from '../../toolkit/src/models/lm/load.js';
import type { TransformerLM } from '../../toolkit/src/models/lm/causal-lm.js';
import { countDispatches, resolveDevice, setFusedKernels, tf, useTfjsBackend } from '../../toolkit/src/models/tfjs/index.js';
import { promptIds, QWEN2_100M, SEED } from './lm-shared.js';
import { best } from '../timing.js';

const PEER = process.env.LM_PEER ?? 'bench/gpu/lm-peer-cuda.py';
const PYTHON = process.env.PYTHON ?? 'python3';
const SCRATCH = join(tmpdir(), 's3lab-lm-webgpu');
const NEW_TOKENS = 32;
const DECODE_PROMPT = 128;
const PREFILLS: [batch: number, tokens: number][] = [[1, 512], [8, 128]];
const DECODE_BATCHES = [1, 8];
const REPEATS = 3;

// The product's own device path: Dawn found through resolveDevice, tfjs's webgpu backend with
// s3lab's kernels registered (useTfjsBackend).
const device = await resolveDevice('webgpu');
const adapterInfo = device.adapter;
console.log(`WebGPU adapter: ${JSON.stringify(adapterInfo)}`);
await useTfjsBackend('webgpu');


/** Greedy decoding through the product's own path, `lm.generateBatch` (every token read back to the host). */
function generateGreedy(lm: TransformerLM, prompts: readonly number[][], maxNewTokens: number): Promise<number[][]> {
  return lm.generateBatch(prompts, { maxNewTokens, stop: [] });
}

const prompts = (batch: number, tokens: number): number[][] => Array.from({ length: batch }, (_, row) => promptIds(tokens, QWEN2_100M.vocab_size as number, row));

async function measureWebgpu(lm: TransformerLM): Promise<{ prefill: Record<string, number>; decode: Record<string, { tokensPerSecond: number; tokens: number[][] }> }> {
  const prefill: Record<string, number> = {};
  for (const [batch, tokens] of PREFILLS) {
    const ids = prompts(batch, tokens);
    await generateGreedy(lm, ids, 1); // warm-up: compiles the pipelines of these shapes
    prefill[`${batch}x${tokens}`] = (batch * tokens) / (await best(REPEATS, () => generateGreedy(lm, ids, 1))).seconds;
  }
  const decode: Record<string, { tokensPerSecond: number; tokens: number[][] }> = {};
  for (const batch of DECODE_BATCHES) {
    const ids = prompts(batch, DECODE_PROMPT);
    await generateGreedy(lm, ids, NEW_TOKENS); // warm-up, every cache length
    const first = await best(REPEATS, () => generateGreedy(lm, ids, 1));
    const all = await best(REPEATS, () => generateGreedy(lm, ids, NEW_TOKENS));
    decode[String(batch)] = { tokensPerSecond: (batch * (NEW_TOKENS - 1)) / (all.seconds - first.seconds), tokens: all.value };
  }
  return { prefill, decode };
}

interface PeerSide {
  dtype: string;
  prefill: Record<string, number[]>;
  decode: Record<string, { seconds: number[]; tokens: number[][] }>;
  maxAbsLogitDiff: number;
}

// The model is drawn in JS on the CPU backend (createCausalLM only accepts wasm|cpu), then
// tfjs moves every weight to the GPU on its first use under the webgpu backend.
await mkdir(SCRATCH, { recursive: true });
const lm = await createCausalLM(QWEN2_100M, { seed: SEED, backend: 'cpu' });
const modelDir = join(SCRATCH, 'qwen2-100m');
await lm.save(modelDir);
await useTfjsBackend('webgpu');
console.log(`tfjs backend ${tf.getBackend()}, ${lm.parameterCount} parameters`);

const parityIds = promptIds(DECODE_PROMPT, lm.vocabSize);
const ours = (await lm.logits(parityIds)).at(-1)!;
const oursPath = join(SCRATCH, 'webgpu-logits.f32');
await writeFile(oursPath, ours);
// Measured twice in this run: s3lab's fused kernels, then tfjs's unfused ops (what decoding was before them).
setFusedKernels(false);
const unfused = await measureWebgpu(lm);
setFusedKernels(true);
const measured = await measureWebgpu(lm);
for (const [name, m] of [['webgpu fused', measured], ['webgpu unfused', unfused]] as const) {
  console.log(`${name}: ${JSON.stringify({ prefill: m.prefill, decode: Object.fromEntries(Object.entries(m.decode).map(([b, d]) => [b, d.tokensPerSecond])) })}`);
}
const dispatchesPerToken: Record<string, number> = {};
for (const fused of [true, false]) {
  setFusedKernels(fused);
  const ids = prompts(1, DECODE_PROMPT);
  const one = (await countDispatches(() => generateGreedy(lm, ids, 1))).dispatches;
  const all = (await countDispatches(() => generateGreedy(lm, ids, NEW_TOKENS))).dispatches;
  dispatchesPerToken[fused ? 'fused' : 'unfused'] = (all - one) / (NEW_TOKENS - 1);
}
setFusedKernels(true);
console.log(`dispatches per decoded token (b1): ${JSON.stringify(dispatchesPerToken)}`);
// This machine's CPU side of the same model and seed (bench/lm.bench.ts on the project's 2 cores).
const cpuRows = (JSON.parse(readFileSync('bench/results/lm.json', 'utf8')) as { rows: Array<Record<string, unknown>> }).rows.filter((r) => r.model === 'qwen2-100m');
const cpuRate = (step: string, column: string): number => Number(cpuRows.find((r) => r.step === step)?.[column] ?? Number.NaN);
lm.dispose();

const spec = {
  parity: { ids: parityIds, logits: oursPath },
  prefill: PREFILLS.map(([batch, tokens]) => ({ key: `${batch}x${tokens}`, prompts: prompts(batch, tokens) })),
  decode: DECODE_BATCHES.map((batch) => ({ key: String(batch), prompts: prompts(batch, DECODE_PROMPT), newTokens: NEW_TOKENS })),
  repeats: 5,
};
const specPath = join(SCRATCH, 'spec.json');
await writeFile(specPath, JSON.stringify(spec));
const run = spawnSync(PYTHON, [PEER, modelDir, specPath], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
if (run.status !== 0) throw new Error(`the PyTorch CUDA peer failed: ${run.error?.message ?? `exit ${run.status}`}`);
const peer = JSON.parse(run.stdout) as { torch: string; gpu: string; sides: PeerSide[] };
const fp32 = peer.sides.find((s) => s.dtype === 'float32')!;

const rate = (side: PeerSide, kind: 'prefill' | 'decode', key: string): number => {
  if (kind === 'prefill') {
    const [batch, tokens] = key.split('x').map(Number) as [number, number];
    return (batch * tokens) / Math.min(...(side.prefill[key] as number[]));
  }
  return (Number(key) * (NEW_TOKENS - 1)) / Math.min(...(side.decode[key] as { seconds: number[] }).seconds);
};
const rows: Row[] = [];
for (const [kind, values] of [['prefill', measured.prefill], ['decode', Object.fromEntries(Object.entries(measured.decode).map(([k, d]) => [k, d.tokensPerSecond]))]] as const) {
  for (const [key, webgpu] of Object.entries(values)) {
    const step = kind === 'prefill' ? `prefill b${key.replace('x', '×')}` : `decode b${key}×${NEW_TOKENS} (prompt ${DECODE_PROMPT})`;
    const before = kind === 'prefill' ? unfused.prefill[key] : unfused.decode[key]?.tokensPerSecond;
    const row: Row = { step, 'webgpu tok/s': webgpu, 'webgpu unfused tok/s': before ?? Number.NaN };
    for (const side of peer.sides) row[`torch ${side.dtype} tok/s`] = rate(side, kind, key);
    row['webgpu / torch fp32'] = webgpu / rate(fp32, kind, key);
    row['cpu wasm tok/s'] = cpuRate(step, 'tfjs-wasm');
    row['cpu ort tok/s'] = cpuRate(step, 'ort 1t');
    rows.push(row);
  }
}
const sameTokens = DECODE_BATCHES.map((b) => `b${b}: ${JSON.stringify(measured.decode[String(b)]?.tokens) === JSON.stringify(fp32.decode[String(b)]?.tokens) ? 'same' : 'DIFFERENT'}`).join(', ');
const maxAbsLogit = ours.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

console.log(`\n${formatTable(rows, { digits: 2 })}`);
console.log(`\nparity (last-position logits of a ${DECODE_PROMPT}-token prompt, max |logit| ${maxAbsLogit.toFixed(3)}): ${peer.sides.map((s) => `torch ${s.dtype} max |Δ| ${s.maxAbsLogitDiff.toExponential(2)}`).join('; ')}; greedy tokens webgpu vs torch fp32: ${sameTokens}`);
console.log(`${peer.gpu}; torch ${peer.torch} eager (fp32 with TF32 off); tfjs-backend-webgpu on Dawn (webgpu npm) over Vulkan; Node ${process.version}`);
console.log('tok/s: prefill = batch·tokens / t(generate 1); decode = batch·(32 − 1) / (t(generate 32) − t(generate 1)); best of repeats after a warm-up; every generated token is read back to the host on both sides.');

const out = process.env.OUT !== undefined ? join(process.env.OUT, 'lm-webgpu.json') : new URL('../results/lm-webgpu.json', import.meta.url).pathname;
await mkdir(join(out, '..'), { recursive: true });
await writeFile(out, `${JSON.stringify({ adapter: adapterInfo, node: process.version, torch: peer.torch, gpu: peer.gpu, config: QWEN2_100M, seed: SEED, rows, webgpu: measured, webgpuUnfused: unfused, dispatchesPerToken, peer: peer.sides, maxAbsLogit }, null, 2)}\n`);
console.log(`wrote ${out}`);
