// The lab generator's training loop with s3lab's trainSft (scripts/models/train_lab_generator.mts),
// and the packed example format that scripts/models/train_lab_generator.py reads. One trainSft run (cosine schedule, stopped early by a
// time budget), then the model directory is saved and exact answers on held-out examples measured.
// `init` continues from a saved model, so a training longer than one sitting runs in parts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCausalLM, loadCausalLM } from '../../toolkit/src/models/lm/load.js';
import type { TfjsBackendName } from '../../toolkit/src/models/tfjs/backend.js';
import { trainSft, type SftExample, type SftStepMetrics } from '../../toolkit/src/rl/sft.js';

export interface GeneratorTraining {
  examples: SftExample[];
  heldOut: SftExample[];
  vocabSize: number;
  eosId: number;
  padId: number;
  hidden: number;
  layers: number;
  maxPositions: number;
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  maxMinutes: number;
  backend: TfjsBackendName;
  out: string;
  /** Continue from this saved model instead of a fresh initialisation. */
  init?: string;
  command: string;
  seeds: number[];
}

export async function trainGenerator(t: GeneratorTraining): Promise<void> {
  const config = {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: t.vocabSize, hidden_size: t.hidden,
    intermediate_size: ((t.hidden * 8) / 3) | 0, num_hidden_layers: t.layers, num_attention_heads: 4, num_key_value_heads: 2,
    max_position_embeddings: t.maxPositions, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, hidden_act: 'silu',
    eos_token_id: t.eosId, pad_token_id: t.padId, initializer_range: 0.02,
  };
  const lm = t.init !== undefined ? await loadCausalLM(t.init, { backend: t.backend }) : await createCausalLM(config, { seed: 1, backend: t.backend });
  console.log(`model: ${lm.parameterCount} parameters on ${t.backend}${t.init !== undefined ? ` from ${t.init}` : ''}; ${t.examples.length} examples, ${t.heldOut.length} held out`);
  const curve: { step: number; loss: number; seconds: number; tokensPerSecond: number }[] = [];
  const started = performance.now();
  let window: SftStepMetrics[] = [];
  const history = await trainSft(lm, t.examples, {
    steps: t.steps, batchSize: t.batch, learningRate: t.lr, warmupSteps: t.warmup, schedule: 'cosine', padId: t.padId, seed: 1,
    // WebGPU pools freed buffers by size: a few batch widths keep its memory bounded.
    padMultiple: t.backend === 'webgpu' ? 128 : 1,
    deadline: t.maxMinutes > 0 ? Date.now() + t.maxMinutes * 60_000 : undefined,
    onStep: (m) => {
      window.push(m);
      if (window.length < 25) return;
      const loss = window.reduce((a, w) => a + w.loss, 0) / window.length;
      const tokensPerSecond = window.reduce((a, w) => a + w.inputTokens, 0) / window.reduce((a, w) => a + w.seconds, 0);
      const seconds = (performance.now() - started) / 1000;
      curve.push({ step: m.step, loss, seconds, tokensPerSecond });
      console.log(`step ${m.step}: loss ${loss.toFixed(3)}, lr ${m.learningRate.toExponential(2)}, ${tokensPerSecond.toFixed(0)} tok/s, ${seconds.toFixed(0)} s`);
      window = [];
    },
  });
  await mkdir(t.out, { recursive: true });
  await lm.save(t.out);
  let right = 0;
  for (let i = 0; i < t.heldOut.length; i += 8) {
    const batch = t.heldOut.slice(i, i + 8);
    const outputs = await lm.generateBatch(batch.map((e) => e.prompt), { maxNewTokens: 16, stop: [t.eosId] });
    outputs.forEach((o, j) => { if (o.join() === batch[j]!.completion.join()) right++; });
  }
  const heldOutExact = t.heldOut.length > 0 ? right / t.heldOut.length : Number.NaN;
  console.log(`${history.length} steps in ${((performance.now() - started) / 1000).toFixed(0)} s; held-out exact answers ${(100 * heldOutExact).toFixed(1)}%`);
  await writeFile(join(t.out, 'training.json'), `${JSON.stringify({
    command: t.command, init: t.init, seeds: t.seeds, examples: t.examples.length, heldOut: t.heldOut.length, heldOutExact, backend: t.backend,
    batch: t.batch, lr: t.lr, warmup: t.warmup, steps: history.length, config, curve,
  }, null, 1)}\n`);
}

/** Examples as one little-endian Uint16 file: [count, then per example: prompt length, completion length, ids…]. */
export function packExamples(examples: readonly SftExample[]): Buffer {
  const words = [examples.length >>> 16, examples.length & 0xffff];
  for (const e of examples) words.push(e.prompt.length, e.completion.length, ...e.prompt, ...e.completion);
  return Buffer.from(Uint16Array.from(words).buffer);
}

export function unpackExamples(bytes: Uint8Array): SftExample[] {
  const words = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const count = ((words[0] as number) << 16) | (words[1] as number);
  const out: SftExample[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const p = words[at] as number;
    const c = words[at + 1] as number;
    at += 2;
    out.push({ prompt: Array.from(words.subarray(at, at + p)), completion: Array.from(words.subarray(at + p, at + p + c)) });
    at += p + c;
  }
  return out;
}
