/**
 * s3lab's tfjs paths on a GPU (WebGPU through Dawn) against PyTorch on the same GPU, and
 * against the CPU path measured on the project's 2-core machine. One script, two sides:
 *
 *   S3LAB_DEVICE=cpu    here: the CPU side (tfjs WASM, and FAISS for search), smaller
 *                       workloads where the CPU would take minutes; writes bench/gpu/cpu-side.json.
 *   S3LAB_DEVICE=webgpu on the device machine (bash bench/gpu/run.sh): the WebGPU side, then
 *                       the PyTorch CUDA peer (bench/gpu/gpu-peer-cuda.py: fp32 with TF32 off,
 *                       and bf16 for reference) on the same weights and inputs; prints the
 *                       ratios to PyTorch fp32 and to cpu-side.json; writes $OUT/gpu-bench.json.
 *
 * Sections: matmul TFLOP/s; exact flat search queries/s over 1M×768 (FlatScanIndex); BERT-base
 * encoder passages/s (e5-base-v2's shape, tfjs BERT); a Qwen2.5-0.5B-shaped LM's forward tokens/s
 * and its SFT and PPO-actor training tokens/s (s3lab's trainSft and PPO losses). Weights are
 * random-init from fixed seeds; every section checks WebGPU's results against PyTorch's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable, type Row } from '../../toolkit/src/core/text-table.js';
import { loadTfjsBert } from '../../toolkit/src/models/encoder/tfjs-bert.js';
// The modules themselves, not the package index, which also loads ONNX Runtime (not carried to the GPU machine).
import { createCausalLM } from '../../toolkit/src/models/lm/load.js';
import type { TransformerLM } from '../../toolkit/src/models/lm/causal-lm.js';
import { writeSafetensors, type StoredTensor } from '../../toolkit/src/models/lm/safetensors.js';
import { resolveDevice } from '../../toolkit/src/models/tfjs/device.js';
import { countDispatches, setFusedKernels, setTiledMatMul, tf, useTfjsBackend } from '../../toolkit/src/models/tfjs/index.js';
import { FaissIndex } from '../../toolkit/src/retrieval/dense/faiss.js';
import { writeFlatIndexFile } from '../../toolkit/src/retrieval/dense/flat-file.js';
import { FlatScanIndex } from '../../toolkit/src/retrieval/dense/flat-scan.js';
import type { ActionSequence } from '../../toolkit/src/rl/action-forward.js';
import { trainSft } from '../../toolkit/src/rl/sft.js';
import { ScaledAdam } from '../../toolkit/src/models/tfjs/adam.js';
import { best } from '../timing.js';
import { promptIds, QWEN25_05B } from './lm-shared.js';
import { ppoActorStep } from './ppo-step.js';

if (process.env.PROFILE === '1') {
  // Timestamp queries (per-kernel GPU times for tf.profile) are behind Dawn's unsafe-API toggle.
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create(['enable-dawn-features=allow_unsafe_apis']) }, configurable: true, writable: true });
}
const device = await resolveDevice();
await useTfjsBackend(device.backend);
const onGpu = device.backend === 'webgpu';
const SIDE = onGpu ? 'webgpu' : 'cpu';
const SCRATCH = process.env.SCRATCH ?? join(tmpdir(), 's3lab-gpu-bench');
const PEER = process.env.GPU_PEER ?? 'bench/gpu/gpu-peer-cuda.py';
const CPU_SIDE_FILE = 'bench/gpu/cpu-side.json';
const ONLY = (process.env.SECTIONS ?? 'matmul,search,encoder,lm').split(',');
await mkdir(SCRATCH, { recursive: true });
console.log(`side ${SIDE}: tfjs ${tf.getBackend()}${device.adapter ? `, ${JSON.stringify(device.adapter)}` : ''}; Node ${process.version}`);

/** Workloads: the GPU's full size; the CPU's smaller where the full one would take minutes. */
const W = {
  matmulSizes: onGpu ? [1024, 2048, 4096] : [1024, 2048],
  searchRows: 1_000_000,
  searchQueries: onGpu ? 1024 : 64,
  encoderBatch: onGpu ? 128 : 8,
  encoderTokens: 128,
  lmForward: onGpu ? ([4, 512] as const) : ([1, 128] as const),
  // The CPU side trains nothing: 0.5B parameters, their gradients and Adam's two moments (7.9 GB)
  // exceed WASM's 4 GiB heap. SMOKE=1 trains the tiny model.
  lmTrain: onGpu ? ([4, 512] as const) : process.env.SMOKE === '1' ? ([2, 64] as const) : undefined,
};
const K = 10;
const DIMENSION = 768;

interface Measure {
  section: string;
  /** What is compared across sides (the CPU side may run a smaller batch of the same step). */
  kind: string;
  step: string;
  unit: string;
  /** This side's rate. */
  value: number;
  /** PyTorch's rates by dtype (GPU side only). */
  torch?: Record<string, number>;
  /** How close this side's results are to the reference. */
  check?: string;
}
const measures: Measure[] = [];
const results = { side: SIDE, adapter: device.adapter, node: process.version, workloads: W, measures: measures as Measure[], peer: {} as Record<string, unknown> };

/** Runs the PyTorch peer's section on a spec; its JSON reply. GPU side only. */
function peer(section: string, spec: unknown): Record<string, unknown> {
  if (!onGpu) throw new Error('the PyTorch CUDA peer runs on the GPU side only');
  const specPath = join(SCRATCH, `${section}-spec.json`);
  writeFileSync(specPath, JSON.stringify(spec));
  const run = spawnSync(process.env.PYTHON ?? 'python3', [PEER, section, specPath], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`the PyTorch peer's ${section} section failed: ${run.error?.message ?? `exit ${run.status}`}`);
  const reply = JSON.parse(run.stdout) as Record<string, unknown>;
  results.peer[section] = reply;
  return reply;
}

/** The CPU side's earlier rows of the sections this run does not measure (SECTIONS=lm refreshes the LM rows alone). */
const keptCpuRows: Measure[] = !onGpu && existsSync(CPU_SIDE_FILE)
  ? (JSON.parse(readFileSync(CPU_SIDE_FILE, 'utf8')) as { measures: Measure[] }).measures.filter((m) => !ONLY.includes(m.section))
  : [];

async function save(): Promise<void> {
  const out = onGpu ? join(process.env.OUT ?? 'bench/results', 'gpu-bench.json') : CPU_SIDE_FILE;
  if (!onGpu) results.measures = [...keptCpuRows, ...measures];
  await mkdir(join(out, '..'), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
}

/** A fast seeded generator of floats in [-1, 1) (xorshift32): billions of them take seconds. */
function fill(array: Float32Array, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < array.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    array[i] = (s >>> 0) / 2147483648 - 1;
  }
  return array;
}
function normaliseRows(array: Float32Array, dimension: number): Float32Array {
  for (let r = 0; r < array.length / dimension; r++) {
    let norm = 0;
    for (let j = r * dimension; j < (r + 1) * dimension; j++) norm += (array[j] as number) ** 2;
    const scale = 1 / Math.sqrt(norm);
    for (let j = r * dimension; j < (r + 1) * dimension; j++) array[j] = (array[j] as number) * scale;
  }
  return array;
}

// ---------------------------------------------------------------------------------------------
async function benchMatmul(): Promise<void> {
  const repeats = onGpu ? 20 : 2;
  if (onGpu) {
    // The tiled kernel against tfjs's own, element by element, on odd shapes and every transpose.
    let worst = 0;
    for (const [m, k, n] of [[1500, 777, 1553], [2050, 300, 4100], [4096, 896, 2048]] as const) {
      for (const [ta, tb] of [[false, true]] as const) {
        const a = tf.tensor2d(fill(new Float32Array(m * k), m + k), ta ? [k, m] : [m, k]);
        const b = tf.tensor2d(fill(new Float32Array(k * n), k + n), tb ? [n, k] : [k, n]);
        setTiledMatMul(false);
        const reference = await tf.matMul(a, b, ta, tb).data();
        setTiledMatMul(true);
        const tiled = await tf.matMul(a, b, ta, tb).data();
        for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs((reference[i] as number) - (tiled[i] as number)) / Math.max(1, Math.abs(reference[i] as number)));
        tf.dispose([a, b]);
      }
    }
    console.log(`tiled matmul vs tfjs's: max relative difference ${worst.toExponential(1)} over 3 products (A·Bᵀ, odd sizes)`);
    (results as Record<string, unknown>).tiledMatmulParity = worst;
  }
  // A·B (tfjs's kernel everywhere), and on the GPU A·Bᵀ with tfjs's kernel and with the tiled one.
  const variants: Array<{ transposeB: boolean; tiled: boolean }> = onGpu
    ? [{ transposeB: false, tiled: true }, { transposeB: true, tiled: false }, { transposeB: true, tiled: true }]
    : [{ transposeB: false, tiled: true }];
  for (const { transposeB, tiled } of variants) {
    setTiledMatMul(tiled);
    for (const n of W.matmulSizes) {
      const a = tf.tensor2d(fill(new Float32Array(n * n), 1), [n, n]);
      const b = tf.tensor2d(fill(new Float32Array(n * n), 2), [n, n]);
      const run = async () => {
        let last: tf.Tensor | undefined;
        for (let i = 0; i < repeats; i++) {
          last?.dispose();
          last = tf.matMul(a, b, false, transposeB);
        }
        // The queue runs in order: reading one element of the last product waits for all of them.
        const corner = tf.slice(last as tf.Tensor2D, [0, 0], [1, 1]);
        await corner.data();
        corner.dispose();
        last?.dispose();
      };
      await run();
      const { seconds } = await best(3, run);
      const value = (2 * n ** 3 * repeats) / seconds / 1e12;
      const check = await (async () => {
        const c = tf.matMul(a, b, false, transposeB);
        const got = (await tf.slice(c, [0, 0], [8, 8]).data()) as Float32Array;
        c.dispose();
        const aa = (await tf.slice(a, [0, 0], [8, n]).data()) as Float32Array;
        const bb = (await (transposeB ? tf.transpose(tf.slice(b, [0, 0], [8, n])) : tf.slice(b, [0, 0], [n, 8])).data()) as Float32Array;
        let worst = 0;
        for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) {
          let sum = 0;
          for (let t = 0; t < n; t++) sum += (aa[i * n + t] as number) * (bb[t * 8 + j] as number);
          worst = Math.max(worst, Math.abs(sum - (got[i * 8 + j] as number)) / Math.max(1, Math.abs(sum)));
        }
        return `max rel. error vs float64 on an 8×8 corner ${worst.toExponential(1)}`;
      })();
      a.dispose();
      b.dispose();
      const label = transposeB ? `A·Bᵀ ${tiled ? '(s3lab tiled WGSL)' : "(tfjs's kernel)"}` : 'A·B';
      measures.push({ section: 'matmul', kind: `matmul-${n}${transposeB ? (tiled ? '-abt-tiled' : '-abt-tfjs') : ''}`, step: `${n}×${n} fp32 ${label}`, unit: 'TFLOP/s', value, check });
      console.log(`matmul ${n} ${label}: ${value.toFixed(2)} TFLOP/s (${check})`);
    }
  }
  setTiledMatMul(true);
  if (onGpu) {
    const reply = peer('matmul', { sizes: W.matmulSizes, repeats }) as { tflops: Record<string, Record<string, number>> };
    for (const m of measures.filter((x) => x.section === 'matmul')) m.torch = reply.tflops[m.step.split('×')[0] as string];
  }
}

// ---------------------------------------------------------------------------------------------
async function benchSearch(): Promise<void> {
  const file = join(SCRATCH, `flat-${W.searchRows}.faiss`);
  const chunkRows = 65_536;
  if (!existsSync(file)) {
    const started = performance.now();
    await writeFlatIndexFile(file, { dimension: DIMENSION, metric: 'inner_product', count: W.searchRows }, (function* () {
      for (let first = 0; first < W.searchRows; first += chunkRows) {
        const rows = Math.min(chunkRows, W.searchRows - first);
        yield normaliseRows(fill(new Float32Array(rows * DIMENSION), 1000 + first), DIMENSION);
      }
    })());
    console.log(`wrote ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const queries = normaliseRows(fill(new Float32Array(W.searchQueries * DIMENSION), 77), DIMENSION);
  const openStarted = performance.now();
  const index = await FlatScanIndex.open(file);
  const openSeconds = (performance.now() - openStarted) / 1000;
  await index.searchVectors(queries.subarray(0, DIMENSION * Math.min(8, W.searchQueries)), Math.min(8, W.searchQueries), K); // warm-up
  const { value: hits, seconds } = await best(onGpu ? 3 : 1, () => index.searchVectors(queries, W.searchQueries, K));
  const rows = hits.map((h) => h.map((m) => m.row));
  if (process.env.PROFILE === '1') (results as Record<string, unknown>).searchProfile = await profileKernels('search', () => index.searchVectors(queries, W.searchQueries, K));
  const step = `flat IP top-${K}, ${W.searchRows / 1e6}M×${DIMENSION}, ${W.searchQueries} queries (${index.resident ? 'resident' : 'streamed'}, ${index.shardRows}-row shards)`;
  const measure: Measure = { section: 'search', kind: 'search-scan', step, unit: 'queries/s', value: W.searchQueries / seconds };
  measures.push(measure);
  console.log(`search: ${measure.value.toFixed(1)} queries/s, opened in ${openSeconds.toFixed(1)} s`);
  await index.dispose();
  if (onGpu) {
    const reply = peer('search', { file, dataOffset: 45, rows: W.searchRows, dimension: DIMENSION, queries: Array.from(queries), k: K }) as { qps: Record<string, number>; rows: Record<string, number[][]> };
    measure.torch = reply.qps;
    measure.check = `top-${K} lists equal to torch fp32's: ${sameLists(rows, reply.rows.float32 as number[][])}`;
  } else {
    // The CPU's own exact search: FAISS (BLAS, both cores) on the same file, held in memory.
    const faiss = await FaissIndex.read(file);
    await faiss.search(queries.subarray(0, DIMENSION), 1, K);
    const { value, seconds: faissSeconds } = await best(1, () => faiss.search(queries, W.searchQueries, K));
    const faissRows = rows.map((_, q) => Array.from(value.labels.subarray(q * K, (q + 1) * K), Number));
    measures.push({ section: 'search', kind: 'search-faiss', step: `FAISS IndexFlatIP (CPU), same file and queries`, unit: 'queries/s', value: W.searchQueries / faissSeconds });
    measure.check = `top-${K} lists equal to FAISS's: ${sameLists(rows, faissRows)}`;
  }
}

function sameLists(a: number[][], b: number[][]): string {
  let same = 0;
  for (let q = 0; q < a.length; q++) if (JSON.stringify(a[q]) === JSON.stringify(b[q])) same++;
  return `${same}/${a.length}`;
}

// ---------------------------------------------------------------------------------------------
/** e5-base-v2's shape (BERT-base), random-init in Hugging Face's names, so transformers loads it too. */
const BERT_BASE = { model_type: 'bert', architectures: ['BertModel'], vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2, layer_norm_eps: 1e-12, hidden_act: 'gelu', position_embedding_type: 'absolute', pad_token_id: 0 };

async function writeBert(dir: string): Promise<void> {
  const c = BERT_BASE;
  const tensors = new Map<string, StoredTensor>();
  let seed = 5;
  const normal = (shape: number[]): StoredTensor => {
    const data = fill(new Float32Array(shape.reduce((a, b) => a * b, 1)), seed++);
    for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * 0.0346; // uniform with std 0.02
    return { shape, data };
  };
  const constant = (n: number, value: number): StoredTensor => ({ shape: [n], data: new Float32Array(n).fill(value) });
  const h = c.hidden_size;
  tensors.set('embeddings.word_embeddings.weight', normal([c.vocab_size, h]));
  tensors.set('embeddings.position_embeddings.weight', normal([c.max_position_embeddings, h]));
  tensors.set('embeddings.token_type_embeddings.weight', normal([c.type_vocab_size, h]));
  tensors.set('embeddings.LayerNorm.weight', constant(h, 1));
  tensors.set('embeddings.LayerNorm.bias', constant(h, 0));
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}`;
    for (const name of ['query', 'key', 'value']) {
      tensors.set(`${p}.attention.self.${name}.weight`, normal([h, h]));
      tensors.set(`${p}.attention.self.${name}.bias`, normal([h]));
    }
    tensors.set(`${p}.attention.output.dense.weight`, normal([h, h]));
    tensors.set(`${p}.attention.output.dense.bias`, normal([h]));
    tensors.set(`${p}.attention.output.LayerNorm.weight`, constant(h, 1));
    tensors.set(`${p}.attention.output.LayerNorm.bias`, constant(h, 0));
    tensors.set(`${p}.intermediate.dense.weight`, normal([c.intermediate_size, h]));
    tensors.set(`${p}.intermediate.dense.bias`, normal([c.intermediate_size]));
    tensors.set(`${p}.output.dense.weight`, normal([h, c.intermediate_size]));
    tensors.set(`${p}.output.dense.bias`, normal([h]));
    tensors.set(`${p}.output.LayerNorm.weight`, constant(h, 1));
    tensors.set(`${p}.output.LayerNorm.bias`, constant(h, 0));
  }
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  await writeFile(join(dir, 'config.json'), JSON.stringify(c, null, 2));
}

async function benchEncoder(): Promise<void> {
  const dir = join(SCRATCH, 'bert-base');
  if (!existsSync(join(dir, 'config.json'))) await writeBert(dir);
  const encoder = await loadTfjsBert(dir, BERT_BASE);
  const rows = W.encoderBatch;
  const width = W.encoderTokens;
  const ids = Array.from({ length: rows }, (_, r) => promptIds(width, BERT_BASE.vocab_size, r + 100));
  // Every other row is padded after 96 tokens: the mask is exercised, as in real batches.
  const mask = ids.map((row, r) => row.map((_, t) => (r % 2 === 1 && t >= 96 ? 0 : 1)));
  const batch = {
    indices: ids.map((_, r) => r), width,
    inputIds: BigInt64Array.from(ids.flat().map((id, i) => BigInt(mask.flat()[i] === 1 ? id : 0))),
    attentionMask: BigInt64Array.from(mask.flat().map(BigInt)),
    tokenTypeIds: new BigInt64Array(rows * width),
  };
  const first = await encoder.lastHiddenState(batch);
  const { seconds } = await best(onGpu ? 5 : 1, () => encoder.lastHiddenState(batch));
  encoder.dispose();
  const measure: Measure = { section: 'encoder', kind: 'encoder', step: `BERT-base (e5-base-v2 shape) ${rows}×${width} tokens, last hidden state`, unit: 'passages/s', value: rows / seconds };
  measures.push(measure);
  console.log(`encoder: ${measure.value.toFixed(1)} passages/s`);
  if (onGpu) {
    const hiddenPath = join(SCRATCH, 'bert-hidden.f32');
    await writeFile(hiddenPath, first);
    const reply = peer('encoder', { model: dir, ids: batch.inputIds.length ? Array.from(batch.inputIds, Number) : [], mask: mask.flat(), rows, width, hidden: hiddenPath }) as { passagesPerSecond: Record<string, number>; maxAbsDiff: Record<string, number> };
    measure.torch = reply.passagesPerSecond;
    measure.check = `max |Δ hidden| vs torch fp32 ${reply.maxAbsDiff.float32?.toExponential(1)} (unmasked positions)`;
  }
}

// ---------------------------------------------------------------------------------------------

/** Rows of `tokens` ids whose second half is the completion (SFT) / the action (PPO). */
function trainingRows(batch: number, tokens: number, vocab: number): { prompt: number[]; completion: number[] }[] {
  return Array.from({ length: batch }, (_, r) => {
    const ids = promptIds(tokens, vocab, r + 500);
    return { prompt: ids.slice(0, tokens / 2), completion: ids.slice(tokens / 2) };
  });
}

let sharedLm: TransformerLM | undefined;

/** The 0.5B LM, drawn once per process (a minute of JavaScript) for the sections that use it. */
async function qwenLm(): Promise<TransformerLM> {
  if (sharedLm) return sharedLm;
  const started = performance.now();
  // Drawn on the CPU backend (as createCausalLM requires), moved to the device on first use.
  // SMOKE=1: a tiny model of the same architecture, to check the bench's code paths in seconds.
  const config = process.env.SMOKE === '1' ? { ...QWEN25_05B, vocab_size: 1000, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 128 } : QWEN25_05B;
  sharedLm = await createCausalLM(config, { seed: 3, backend: 'cpu' });
  await useTfjsBackend(device.backend);
  console.log(`LM: ${sharedLm.parameterCount} parameters drawn in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return sharedLm;
}

async function benchLm(): Promise<void> {
  const lm = await qwenLm();
  const modelDir = join(SCRATCH, 'qwen2.5-0.5b-shape');
  if (onGpu) await lm.save(modelDir);
  // On the GPU every step is measured twice in this run, with s3lab's fused kernels and with tfjs's
  // unfused ops (what the step was before them), on the same weights and inputs.
  const variants = onGpu ? [true, false] : [true];
  const [fb, ft] = W.lmForward;
  const ids = Array.from({ length: fb }, (_, r) => promptIds(ft, lm.vocabSize, r + 900));
  const forward = async () => {
    const logits = tf.tidy(() => {
      const hidden = lm.forwardHiddenStates(ids);
      const last = tf.reshape(tf.slice(hidden, [0, ft - 1, 0], [fb, 1, hidden.shape[2]]), [fb, hidden.shape[2]]) as tf.Tensor2D;
      return lm.headLogits(last);
    });
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    return data;
  };
  const label = (fused: boolean) => (onGpu ? (fused ? ', fused kernels' : ", tfjs's unfused ops") : '');
  const kind = (base: string, fused: boolean) => (fused ? base : `${base}-unfused`);
  let lastLogits: Float32Array = new Float32Array();
  const forwardMeasures: Measure[] = [];
  for (const fused of variants) {
    setFusedKernels(fused);
    const logits = await forward();
    if (fused) lastLogits = logits;
    const { seconds } = await best(onGpu ? 3 : 1, forward);
    const m: Measure = { section: 'lm', kind: kind('lm-forward', fused), step: `Qwen2.5-0.5B shape forward b${fb}×${ft} (last-position logits${label(fused)})`, unit: 'tokens/s', value: (fb * ft) / seconds };
    if (!fused) m.check = `last-position logits max |Δ| vs the fused kernels' ${maxAbsDiff(logits, lastLogits).toExponential(1)}`;
    measures.push(m);
    forwardMeasures.push(m);
    console.log(`lm forward${label(fused)}: ${m.value.toFixed(0)} tokens/s`);
  }

  const sftMeasures: Measure[] = [];
  const ppoMeasures: Measure[] = [];
  let sftLoss = Number.NaN;
  if (W.lmTrain) {
    const [tb, tt] = W.lmTrain;
    const rows = trainingRows(tb, tt, lm.vocabSize);
    const sftRun = (steps: number) => trainSft(lm, rows, { steps, batchSize: tb, padId: 0, learningRate: 1e-6, groupByLength: false, clipNorm: 1e9 });
    // One PPO actor update as the trainer makes it (bench/gpu/ppo-step.ts).
    const sequences: ActionSequence[] = rows.map((r) => ({ tokens: [...r.prompt, ...r.completion], actionMask: [...r.prompt.map(() => 0), ...r.completion.map(() => 1)] }));
    const optimizer = new ScaledAdam(1e-6);
    const ppoStep = () => ppoActorStep(lm, sequences, optimizer);
    for (const fused of variants) {
      setFusedKernels(fused);
      const history = await sftRun(3);
      const loss = history[0]?.loss ?? Number.NaN;
      // The fused run goes first, on the drawn weights, so its first loss is the one PyTorch's is compared with.
      if (fused) sftLoss = loss;
      const stepSeconds = Math.min(...history.slice(1).map((h) => h.seconds));
      const sft: Measure = { section: 'lm', kind: kind('lm-sft', fused), step: `SFT step b${tb}×${tt} (loss on ${tt / 2} completion tokens, Adam${label(fused)})`, unit: 'tokens/s', value: (tb * tt) / stepSeconds };
      // Dispatches per step: (3 steps − 1 step) / 2, so the first step's Adam moments cancel.
      if (onGpu) {
        const dispatches = ((await countDispatches(() => sftRun(3))).dispatches - (await countDispatches(() => sftRun(1))).dispatches) / 2;
        (sft as Measure & { dispatches?: number }).dispatches = dispatches;
        sft.check = `${dispatches} kernel dispatches per step`;
      }
      measures.push(sft);
      sftMeasures.push(sft);
      console.log(`lm sft${label(fused)}: ${sft.value.toFixed(0)} tokens/s (first loss ${loss.toFixed(5)}, steps ${history.map((h) => h.seconds.toFixed(2)).join(', ')} s)`);
      await ppoStep();
      const ppoTime = await best(2, ppoStep);
      const ppo: Measure = { section: 'lm', kind: kind('lm-ppo', fused), step: `PPO actor step b${tb}×${tt} (2 scoring forwards + clipped loss + KL, backward, Adam${label(fused)})`, unit: 'tokens/s', value: (tb * tt) / ppoTime.seconds };
      measures.push(ppo);
      ppoMeasures.push(ppo);
      console.log(`lm ppo${label(fused)}: ${ppo.value.toFixed(0)} tokens/s`);
    }
    setFusedKernels(true);
    optimizer.dispose();
  }
  if (onGpu) {
    const logitsPath = join(SCRATCH, 'lm-last-logits.f32');
    await writeFile(logitsPath, lastLogits);
    const [tb, tt] = W.lmTrain ?? [0, 0];
    const reply = peer('lm', { model: modelDir, forward: { ids }, logits: logitsPath, train: trainingRows(tb, tt, lm.vocabSize) }) as {
      forward: Record<string, number>; sft: Record<string, number>; ppo: Record<string, number>; maxAbsLogitDiff: number; sftLoss: Record<string, number>;
    };
    for (const m of forwardMeasures) m.torch = reply.forward;
    (forwardMeasures[0] as Measure).check = `last-position logits max |Δ| vs torch fp32 ${reply.maxAbsLogitDiff.toExponential(1)}`;
    for (const m of sftMeasures) m.torch = reply.sft;
    if (sftMeasures[0]) sftMeasures[0].check = `${sftMeasures[0].check ?? ''}; first-step loss ${sftLoss.toFixed(5)} vs torch fp32 ${reply.sftLoss.float32?.toFixed(5)}`;
    for (const m of ppoMeasures) m.torch = reply.ppo;
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

/** Runs `run` under tf.profile and prints its kernels by time (name and input shapes). */
async function profileKernels(name: string, run: () => Promise<unknown>): Promise<unknown> {
  const started = performance.now();
  const info = await tf.profile(async () => {
    await run();
    return [];
  });
  const wall = performance.now() - started;
  const byKernel = new Map<string, { calls: number; ms: number }>();
  for (const kernel of info.kernels) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    const key = `${kernel.name} ${JSON.stringify(kernel.inputShapes)}`;
    const entry = byKernel.get(key) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += ms;
    byKernel.set(key, entry);
  }
  const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
  const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  console.log(`\nprofile of one ${name}: ${info.kernels.length} kernels, ${total.toFixed(0)} ms of kernel time, ${wall.toFixed(0)} ms wall, tensors at peak ${(info.peakBytes / 2 ** 30).toFixed(2)} GiB (${(tf.memory().numBytes / 2 ** 30).toFixed(2)} GiB held after)`);
  console.log(formatTable(top.map(([key, e]) => ({ kernel: key.slice(0, 110), calls: e.calls, ms: e.ms, share: e.ms / Math.max(total, 1e-9) })), { digits: 2 }));
  return { kernels: info.kernels.length, kernelMs: total, wallMs: wall, peakBytes: info.peakBytes, heldBytes: tf.memory().numBytes, top: top.map(([key, e]) => ({ key, ...e })) };
}

// ---------------------------------------------------------------------------------------------
/**
 * Where an SFT step's time goes, kernel by kernel (tf.profile; on WebGPU through timestamp
 * queries, which Dawn offers with PROFILE=1: see the top of this file), and a search call's.
 */
async function benchProfile(): Promise<void> {
  const lm = await qwenLm();
  const [tb, tt] = W.lmTrain ?? [1, 128];
  const rows = trainingRows(tb, tt, lm.vocabSize);
  const sft = () => trainSft(lm, rows, { steps: 1, batchSize: tb, padId: 0, learningRate: 1e-6, groupByLength: false, clipNorm: 1e9 });
  await sft();
  const profiles: Record<string, unknown> = {};
  // The fused Adam kernels against tfjs's Adam, on this backend: three steps on random tensors.
  {
    const shapes = [[1000, 37], [5], [64, 3, 7]];
    const start = shapes.map((shape, i) => fill(new Float32Array(shape.reduce((a, b) => a * b, 1)), 40 + i));
    const ours = start.map((data, i) => tf.variable(tf.tensor(data, shapes[i])));
    const theirs = start.map((data, i) => tf.variable(tf.tensor(data, shapes[i])));
    const fused = new ScaledAdam(0.01);
    const reference = tf.train.adam(0.01);
    for (let step = 0; step < 3; step++) {
      const grads = (vars: tf.Variable[]) => Object.fromEntries(vars.map((v, i) => [v.name, tf.mul(tf.sin(tf.add(v, step)), i + 1)]));
      const g = grads(ours);
      fused.applyScaledGradients(g, 0.5);
      const h = grads(theirs);
      reference.applyGradients(Object.fromEntries(Object.entries(h).map(([name, t]) => [name, tf.mul(t, 0.5)])) as never);
    }
    let worst = 0;
    for (let i = 0; i < ours.length; i++) {
      const [a, b] = await Promise.all([(ours[i] as tf.Variable).data(), (theirs[i] as tf.Variable).data()]);
      for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs((a[j] as number) - (b[j] as number)));
    }
    console.log(`ScaledAdam (${tf.getBackend()}) vs tf.train.adam after 3 steps: max |Δ parameter| ${worst.toExponential(1)}`);
    profiles.adamParity = worst;
  }
  // How often tfjs submits its queue (every 15 dispatches by default) against the step time.
  if (onGpu) {
    const batches: Record<string, number> = {};
    for (const size of [15, 64, 256]) {
      tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', size);
      await sft();
      const t = await best(2, sft);
      batches[String(size)] = t.seconds;
      console.log(`SFT step with WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=${size}: ${t.seconds.toFixed(2)} s`);
    }
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 15);
    profiles.submitBatch = batches;
  }
  profiles['sft step'] = await profileKernels('sft step', sft);
  (results as Record<string, unknown>).profile = profiles;
}

// ---------------------------------------------------------------------------------------------
const sections: Record<string, () => Promise<void>> = { matmul: benchMatmul, search: benchSearch, encoder: benchEncoder, lm: benchLm, profile: benchProfile };
for (const name of ONLY) {
  const run = sections[name];
  if (!run) throw new Error(`SECTIONS: unknown section ${JSON.stringify(name)}; expected some of ${Object.keys(sections).join(', ')}`);
  try {
    await run();
  } catch (error) {
    // One failing section must not cost the others' numbers: report it and go on.
    console.error(`section ${name} failed: ${(error as Error).stack ?? String(error)}`);
    measures.push({ section: name, kind: `${name}-failed`, step: 'FAILED', unit: '', value: Number.NaN, check: (error as Error).message.slice(0, 300) });
  }
  await save();
}

const cpuSide = onGpu && existsSync(CPU_SIDE_FILE) ? (JSON.parse(readFileSync(CPU_SIDE_FILE, 'utf8')) as typeof results) : undefined;
const table: Row[] = measures.map((m) => {
  const row: Row = { section: m.section, step: m.step, unit: m.unit, [SIDE]: m.value };
  if (onGpu) {
    row['torch fp32'] = m.torch?.float32 ?? Number.NaN;
    row['torch bf16'] = m.torch?.bfloat16 ?? Number.NaN;
    row['÷ torch fp32'] = m.value / (m.torch?.float32 ?? Number.NaN);
    const cpu = cpuSide?.measures.find((c) => c.kind === m.kind);
    row['÷ cpu'] = cpu ? m.value / cpu.value : Number.NaN;
  }
  return row;
});
console.log(`\n${formatTable(table, { digits: 2 })}\n`);
for (const m of measures) if (m.check) console.log(`${m.section} ${m.step.split(' (')[0]}: ${m.check}`);
console.log(`\nrates: best of repeats after a warm-up that compiles each shape's pipelines; every step reads its result back to the host.`);
await save();

