/**
 * The lab run's tensor work on a GPU against this project's 2-core CPU: the three things a lab
 * run spends its model time on, with the shipped lab models' architectures (random weights of
 * the same shapes, so the same tokens are decoded on both sides) and the lab run's batch shapes.
 *
 *   rollouts  the lab searcher (Qwen2-shaped, 2 layers of 128) decoding 32 rollouts
 *   answers   the lab generator (6 layers of 256) answering 32 questions over retrieved text
 *   update    one GRPO update of the searcher: 32 transcripts in micro-batches of 8, its own
 *             tokens scored, clipped loss and KL, backward, global-norm clipping, Adam
 *
 * One script, two sides: S3LAB_DEVICE=cpu here (tfjs WASM, one process) writes
 * bench/gpu/lab-models-cpu.json; S3LAB_DEVICE=webgpu on the device machine (bash bench/gpu/run.sh
 * lab-models) measures the GPU with the fused kernels and with tfjs's unfused ops, and divides by
 * the CPU side. It measures the components, not a whole lab run (see docs/gpu.md for why).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTable, type Row } from '../../toolkit/src/core/text-table.js';
// The modules themselves, not the package index, which also loads ONNX Runtime (not carried to the GPU machine).
import { createCausalLM } from '../../toolkit/src/models/lm/load.js';
import type { TransformerLM } from '../../toolkit/src/models/lm/causal-lm.js';
import { resolveDevice } from '../../toolkit/src/models/tfjs/device.js';
import { ScaledAdam, setFusedKernels, useTfjsBackend } from '../../toolkit/src/models/tfjs/index.js';
import type { ActionSequence } from '../../toolkit/src/rl/action-forward.js';
import { best } from '../timing.js';
import { promptIds } from './lm-shared.js';
import { ppoActorStep } from './ppo-step.js';
import searcherConfig from '../../datasets/models/lab-searcher/config.json' with { type: 'json' };
import generatorConfig from '../../datasets/models/lab-generator/config.json' with { type: 'json' };

const device = await resolveDevice();
await useTfjsBackend(device.backend);
const onGpu = device.backend === 'webgpu';
const CPU_FILE = 'bench/gpu/lab-models-cpu.json';
const ROWS = 32;

async function model(config: Record<string, unknown>, seed: number): Promise<TransformerLM> {
  const lm = await createCausalLM(config, { seed, backend: 'cpu' });
  await useTfjsBackend(device.backend);
  return lm;
}

const searcher = await model(searcherConfig as Record<string, unknown>, 1);
const generator = await model(generatorConfig as Record<string, unknown>, 2);
const prompts = (lm: TransformerLM, tokens: number, salt: number) => Array.from({ length: ROWS }, (_, r) => promptIds(tokens - (r % 7) * 20, lm.vocabSize, r + salt));

/** Rollouts: 32 searcher prompts of ~300 tokens, 24 sampled tokens each. */
const rollouts = () => searcher.generateBatch(prompts(searcher, 300, 100), { maxNewTokens: 24, temperature: 1, seed: 1, stop: [] });
/** Answers: 32 generator prompts of ~500 tokens (question and documents), 12 greedy tokens each. */
const answers = () => generator.generateBatch(prompts(generator, 500, 200), { maxNewTokens: 12, stop: [] });

const transcripts: ActionSequence[] = prompts(searcher, 550, 300).map((tokens) => ({ tokens, actionMask: tokens.map((_, t) => (t >= 40 && t % 9 === 0 ? 1 : 0)) }));
const optimizer = new ScaledAdam(1e-6);
/** Rows per micro-batch, as the lab trainer cuts a step (WASM's 4 GiB heap does not hold 32 × 550 at once). */
const MICRO = 8;
/** One GRPO update over the 32 transcripts, as the trainer makes it: micro-batches accumulated, then clipping and Adam. */
const update = () => ppoActorStep(searcher, transcripts, optimizer, MICRO);

const components: Array<[string, () => Promise<unknown>]> = [['rollouts (searcher, 32 × 24 tokens)', rollouts], ['answers (generator, 32 × 12 tokens)', answers], ['update (searcher GRPO, 32 × 550 tokens)', update]];
const measured: Record<string, Record<string, number>> = {};
for (const fused of onGpu ? [true, false] : [true]) {
  setFusedKernels(fused);
  const side = onGpu ? (fused ? 'webgpu fused' : 'webgpu tfjs ops') : 'cpu (wasm)';
  measured[side] = {};
  for (const [name, run] of components) {
    await run();
    (measured[side] as Record<string, number>)[name] = (await best(onGpu ? 3 : 2, run)).seconds;
    console.log(`${side} ${name}: ${(measured[side] as Record<string, number>)[name]?.toFixed(3)} s`);
  }
}
setFusedKernels(true);

const cpu = onGpu && existsSync(CPU_FILE) ? (JSON.parse(readFileSync(CPU_FILE, 'utf8')) as { seconds: Record<string, Record<string, number>> }).seconds['cpu (wasm)'] : undefined;
const rows: Row[] = components.map(([name]) => {
  const row: Row = { component: name };
  for (const [side, seconds] of Object.entries(measured)) row[`${side} s`] = seconds[name] as number;
  if (onGpu) row['cpu (wasm) s'] = cpu?.[name] ?? Number.NaN;
  if (onGpu) row['cpu ÷ webgpu fused'] = (cpu?.[name] ?? Number.NaN) / (measured['webgpu fused']?.[name] as number);
  return row;
});
console.log(`\n${formatTable(rows, { digits: 3 })}\n`);
const out = onGpu ? join(process.env.OUT ?? 'bench/results', 'lab-models.json') : CPU_FILE;
await mkdir(join(out, '..'), { recursive: true });
await writeFile(out, `${JSON.stringify({ side: onGpu ? 'webgpu' : 'cpu', adapter: device.adapter, node: process.version, seconds: measured, rows }, null, 2)}\n`);
