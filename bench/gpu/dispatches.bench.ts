/**
 * How many GPU kernels a training step and a decoding step dispatch, with s3lab's fused kernels
 * and with tfjs's unfused ops, for Qwen2.5-0.5B's layer structure (24 layers, 14 query and 2
 * key/value heads, tied head). On WebGPU a step is dispatch-bound (docs/gpu.md), so this count is
 * what the fused kernels are for. By default the model keeps the 0.5B's layers and heads at small
 * widths and runs on any WebGPU adapter, including Mesa's lavapipe on a CPU (apt-get install -t
 * bookworm-backports mesa-vulkan-drivers); the counts come close to the real model's but not
 * exactly (tfjs picks programs by shape: 2,599 against 2,832 for the SFT step). FULL=1 counts the
 * real 0.5B (on a GPU).
 *
 *   S3LAB_DEVICE=webgpu node --conditions=s3lab-source --import tsx bench/gpu/dispatches.bench.ts
 *
 * Prints a table and writes bench/gpu/dispatches.json (or $OUT/dispatches.json).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTable } from '../../toolkit/src/core/text-table.js';
// The modules themselves, not the package index, which also loads ONNX Runtime (not carried to the GPU machine).
import { createCausalLM } from '../../toolkit/src/models/lm/load.js';
import type { TransformerLM } from '../../toolkit/src/models/lm/causal-lm.js';
import { padSequences } from '../../toolkit/src/models/lm/log-probs.js';
import { countDispatches, setFusedKernels, tf, useTfjsBackend } from '../../toolkit/src/models/tfjs/index.js';
import { trainSft } from '../../toolkit/src/rl/sft.js';
import { promptIds, QWEN25_05B } from './lm-shared.js';

const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.json';
if (process.env.VK_DRIVER_FILES === undefined && existsSync(LAVAPIPE)) process.env.VK_DRIVER_FILES = LAVAPIPE;
await useTfjsBackend('webgpu');
const full = process.env.FULL === '1';
const config = full ? QWEN25_05B : { ...QWEN25_05B, vocab_size: 512, hidden_size: 56, intermediate_size: 96 };
const [rows, tokens] = full ? [4, 512] : [2, 32];

const lm: TransformerLM = await createCausalLM(config, { seed: 3, backend: 'cpu' });
await useTfjsBackend('webgpu');
const examples = Array.from({ length: rows }, (_, r) => {
  const ids = promptIds(tokens, lm.vocabSize, r + 500);
  return { prompt: ids.slice(0, tokens / 2), completion: ids.slice(tokens / 2) };
});

/** Dispatches of one SFT step (forward, backward, global norm, Adam): (3 steps − 1 step) / 2, so the first step's Adam moments cancel. */
async function sftStep(): Promise<number> {
  const run = (steps: number) => countDispatches(() => trainSft(lm, examples, { steps, batchSize: rows, padId: 0, learningRate: 1e-6, groupByLength: false, clipNorm: 1 }));
  await run(1);
  return ((await run(3)).dispatches - (await run(1)).dispatches) / 2;
}

/** Dispatches of the forward pass and backward pass alone (the masked NLL's gradient). */
async function gradientStep(): Promise<number> {
  const batch = padSequences(examples.map((e) => [...e.prompt, ...e.completion]), examples.map((e) => e.prompt.length), 0);
  const { maskedNll } = await import('../../toolkit/src/models/lm/log-probs.js');
  return (await countDispatches(async () => {
    const { value, grads } = tf.variableGrads(() => maskedNll(lm, batch), lm.variables);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  })).dispatches;
}

/** Dispatches per decoded token, batch 1: (16 tokens − 1 token) / 15, so the prefill cancels. */
async function decodeToken(): Promise<number> {
  const prompt = promptIds(16, lm.vocabSize, 900);
  const decode = (n: number) => countDispatches(() => lm.generateBatch([prompt], { maxNewTokens: n, stop: [] }));
  await decode(2);
  const one = (await decode(1)).dispatches;
  const many = (await decode(16)).dispatches;
  return (many - one) / 15;
}

const rowsOut: Array<Record<string, string | number>> = [];
for (const [step, count] of [['SFT step (forward, backward, norm, Adam)', sftStep], ['forward + backward only', gradientStep], ['decode, per token', decodeToken]] as const) {
  setFusedKernels(false);
  const unfused = await count();
  setFusedKernels(true);
  const fused = await count();
  rowsOut.push({ step, 'tfjs ops': unfused, fused, ratio: fused / unfused });
}
const shape = `${full ? 'Qwen2.5-0.5B' : "Qwen2.5-0.5B's layers and heads at small widths"}, ${rows}×${tokens} tokens`;
console.log(`\ndispatches per step, ${shape} (${lm.parameterCount} parameters)\n${formatTable(rowsOut, { digits: 2 })}\n`);
const out = join(process.env.OUT ?? 'bench/gpu', 'dispatches.json');
await mkdir(join(out, '..'), { recursive: true });
await writeFile(out, `${JSON.stringify({ model: shape, parameters: lm.parameterCount, rows: rowsOut }, null, 2)}\n`);
