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
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';
import { formatTable, type Row } from '../../toolkit/src/core/text-table.js';
import { createCausalLM, type TransformerLM } from '../../toolkit/src/models/lm/index.js';
import { argmax } from '../../toolkit/src/models/lm/sampling.js';
import { attentionMask, forwardHidden, positionsFromMask, vocabularyHead, type LayerCache } from '../../toolkit/src/models/lm/transformer.js';
import { tf } from '../../toolkit/src/models/tfjs/index.js';
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

// Dawn's WebGPU as the browser's: tfjs-backend-webgpu looks for navigator.gpu when it loads,
// so the globals go in first and the backend is imported after.
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
const gpu = (globalThis as unknown as { navigator: { gpu: GPU } }).navigator.gpu;
const adapter = await gpu.requestAdapter();
if (adapter === null) throw new Error('WebGPU: no adapter (is a Vulkan loader and the NVIDIA ICD there? see VK_DRIVER_FILES in bench/gpu/run.sh)');
const adapterInfo = { vendor: adapter.info.vendor, architecture: adapter.info.architecture, device: adapter.info.device, description: adapter.info.description };
console.log(`WebGPU adapter: ${JSON.stringify(adapterInfo)}`);
await import('@tensorflow/tfjs-backend-webgpu');


/**
 * `lm.generateBatch` for greedy decoding of equal-length prompts, step for step the same
 * computation (toolkit/src/models/lm/causal-lm.ts), except that each step's logits are read
 * with `await data()`: generateBatch's `dataSync()` throws on WebGPU in Node (tfjs-backend-webgpu
 * reads synchronously through an OffscreenCanvas, which Node lacks). The report proposes the fix.
 */
async function generateGreedy(lm: TransformerLM, prompts: readonly number[][], maxNewTokens: number): Promise<number[][]> {
  let keyMask = prompts.map((row) => row.map(() => 1));
  let ids = prompts;
  let positions = positionsFromMask(keyMask);
  let cache: LayerCache[] | undefined;
  const outputs: number[][] = prompts.map(() => []);
  try {
    for (let step = 0; step < maxNewTokens; step++) {
      const input = { ids, positions, keyMask, cache };
      const { lastLogits, nextCache } = tf.tidy(() => {
        const forward = { ids: tf.tensor2d(input.ids.flat(), [input.ids.length, input.ids[0]?.length ?? 0], 'int32'), positions: input.positions, mask: attentionMask(input.keyMask, input.ids[0]?.length ?? 0), cache: input.cache };
        const { hidden, cache: grown } = forwardHidden(lm.architecture, lm.weights, forward);
        const [batch, time, width] = hidden.shape;
        return { lastLogits: vocabularyHead(lm.architecture, lm.weights, tf.slice(hidden, [0, time - 1, 0], [batch, 1, width])), nextCache: grown };
      });
      const logits = (await lastLogits.data()) as Float32Array;
      lastLogits.dispose();
      for (const { k, v } of cache ?? []) tf.dispose([k, v]);
      cache = nextCache;
      const next = outputs.map((out, row) => {
        const token = argmax(logits.subarray(row * lm.vocabSize, (row + 1) * lm.vocabSize));
        out.push(token);
        return token;
      });
      keyMask = keyMask.map((row) => [...row, 1]);
      positions = keyMask.map((row) => [row.length - 1]);
      ids = next.map((token) => [token]);
    }
  } finally {
    for (const { k, v } of cache ?? []) tf.dispose([k, v]);
  }
  return outputs;
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
if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend failed to initialise');
await tf.ready();
console.log(`tfjs backend ${tf.getBackend()}, ${lm.parameterCount} parameters`);

const parityIds = promptIds(DECODE_PROMPT, lm.vocabSize);
const ours = (await lm.logits(parityIds)).at(-1)!;
const oursPath = join(SCRATCH, 'webgpu-logits.f32');
await writeFile(oursPath, ours);
const measured = await measureWebgpu(lm);
console.log(`webgpu: ${JSON.stringify({ prefill: measured.prefill, decode: Object.fromEntries(Object.entries(measured.decode).map(([b, d]) => [b, d.tokensPerSecond])) })}`);
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
    const row: Row = { step: kind === 'prefill' ? `prefill b${key.replace('x', '×')}` : `decode b${key}×${NEW_TOKENS} (prompt ${DECODE_PROMPT})`, 'webgpu tok/s': webgpu };
    for (const side of peer.sides) row[`torch ${side.dtype} tok/s`] = rate(side, kind, key);
    row['webgpu / torch fp32'] = webgpu / rate(fp32, kind, key);
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
await writeFile(out, `${JSON.stringify({ adapter: adapterInfo, node: process.version, torch: peer.torch, gpu: peer.gpu, config: QWEN2_100M, seed: SEED, rows, webgpu: measured, peer: peer.sides, maxAbsLogit }, null, 2)}\n`);
console.log(`wrote ${out}`);
