// The lab generator's training loop, free of the tokenizer and of native bindings so that it
// bundles for the GPU machine (scripts/models/train_lab_generator_gpu.ts) as well as it runs here
// (scripts/models/train_lab_generator.mts). Trains in chunks, measures exact answers on held-out
// examples after each, and saves the model directory every time (a run cut short keeps its best).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCausalLM } from '../../toolkit/src/models/lm/load.js';
import type { TfjsBackendName } from '../../toolkit/src/models/tfjs/backend.js';
import { trainSft, type SftExample } from '../../toolkit/src/rl/sft.js';

export interface GeneratorTraining {
  examples: SftExample[];
  heldOut: SftExample[];
  vocabSize: number;
  eosId: number;
  padId: number;
  hidden: number;
  layers: number;
  steps: number;
  batch: number;
  lr: number;
  evalEvery: number;
  maxMinutes: number;
  backend: TfjsBackendName;
  out: string;
  command: string;
  seeds: number[];
}

export async function trainGenerator(t: GeneratorTraining): Promise<void> {
  const config = {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: t.vocabSize, hidden_size: t.hidden,
    intermediate_size: ((t.hidden * 8) / 3) | 0, num_hidden_layers: t.layers, num_attention_heads: 4, num_key_value_heads: 2,
    max_position_embeddings: 1024, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, hidden_act: 'silu',
    eos_token_id: t.eosId, pad_token_id: t.padId, initializer_range: 0.02,
  };
  const lm = await createCausalLM(config, { seed: 1, backend: t.backend });
  console.log(`model: ${lm.parameterCount} parameters on ${t.backend}; ${t.examples.length} examples, ${t.heldOut.length} held out`);
  const readingAccuracy = async (): Promise<number> => {
    let right = 0;
    // Logged every chunk on the CPU; on WebGPU only at the end (see padMultiple in trainSft: decoding
    // makes buffers of ever-new sizes, which the WebGPU backend pools).
    for (let i = 0; i < t.heldOut.length; i += 8) {
      const batch = t.heldOut.slice(i, i + 8);
      const outputs = await lm.generateBatch(batch.map((e) => e.prompt), { maxNewTokens: 16 });
      outputs.forEach((o, j) => { if (o.join() === batch[j]!.completion.join()) right++; });
    }
    return right / t.heldOut.length;
  };
  const curve: { step: number; loss: number; seconds: number; heldOutExact: number }[] = [];
  const started = performance.now();
  let done = 0;
  const deadline = t.maxMinutes > 0 ? Date.now() + t.maxMinutes * 60_000 : undefined;
  while (done < t.steps && (deadline === undefined || Date.now() < deadline)) {
    const history = await trainSft(lm, t.examples, {
      steps: Math.min(t.evalEvery, t.steps - done), batchSize: t.batch, learningRate: t.lr, warmupSteps: done === 0 ? 100 : 0, padId: t.padId, seed: done,
      padMultiple: t.backend === 'webgpu' ? 128 : 1, deadline,
    });
    done += history.length;
    const tail = history.slice(-20);
    const loss = tail.reduce((a, m) => a + m.loss, 0) / tail.length;
    const last = done >= t.steps || (deadline !== undefined && Date.now() >= deadline);
    const heldOutExact = t.backend !== 'webgpu' || last ? await readingAccuracy() : Number.NaN;
    const seconds = (performance.now() - started) / 1000;
    curve.push({ step: done, loss, seconds, heldOutExact });
    console.log(`step ${done}: loss ${loss.toFixed(3)}, held-out exact answers ${(100 * heldOutExact).toFixed(1)}%, ${seconds.toFixed(0)} s`);
    await mkdir(t.out, { recursive: true });
    await lm.save(t.out);
    await writeFile(join(t.out, 'training.json'), `${JSON.stringify({ command: t.command, seeds: t.seeds, examples: t.examples.length, heldOut: t.heldOut.length, backend: t.backend, batch: t.batch, lr: t.lr, config, curve }, null, 1)}\n`);
  }
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
