// Trains the lab generator: a small Qwen2-architecture reader over the lab tokenizer, by SFT
// (s3lab's trainSft) on reading-comprehension examples from lab worlds of seeds other than 1
// (toolkit/src/rl/lab-generator.ts). Writes a Hugging Face model directory (config.json,
// model.safetensors, tokenizer files) and training.json with the command, settings and curves.
//   node --conditions=s3lab-source --import tsx scripts/models/train_lab_generator.mts \
//     --out datasets/models/lab-generator --seeds 2,3 --steps 3000 --batch 16 [--backend webgpu]
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCausalLM, labGeneratorExamples, loadTokenizer, trainSft, useTfjsBackend, type TfjsBackendName } from '../../toolkit/src/index.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'datasets/models/lab-generator' },
    tokenizer: { type: 'string', default: 'datasets/models/lab-tokenizer' },
    seeds: { type: 'string', default: '2,3' },
    steps: { type: 'string', default: '3000' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '1e-3' },
    hidden: { type: 'string', default: '192' },
    layers: { type: 'string', default: '4' },
    backend: { type: 'string', default: 'wasm' },
    'max-minutes': { type: 'string', default: '0' },
    'eval-every': { type: 'string', default: '250' },
  },
});
const backend = values.backend as TfjsBackendName;
await useTfjsBackend(backend);
const tokenizer = await loadTokenizer(values.tokenizer);
const seeds = values.seeds.split(',').map(Number);
const started = performance.now();
const { examples, dropped } = await labGeneratorExamples(tokenizer, { seeds, maxTokens: 768, seed: 1 });
// The last 200 examples are held out to watch reading accuracy during training.
const heldOut = examples.splice(-200);
console.log(`examples: ${examples.length} train, ${heldOut.length} held out, ${dropped} longer than 768 tokens dropped (${((performance.now() - started) / 1000).toFixed(0)} s)`);

const hidden = Number(values.hidden);
const config = {
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: tokenizer.vocabSize, hidden_size: hidden,
  intermediate_size: hidden * 8 / 3 | 0, num_hidden_layers: Number(values.layers), num_attention_heads: 4, num_key_value_heads: 2,
  max_position_embeddings: 1024, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, hidden_act: 'silu',
  eos_token_id: tokenizer.eosTokenIds[0], pad_token_id: tokenizer.tokenToId('<|endoftext|>'), initializer_range: 0.02,
};
const lm = await createCausalLM(config, { seed: 1, backend });
console.log(`model: ${lm.parameterCount} parameters on ${backend}`);

async function readingAccuracy(): Promise<number> {
  let right = 0;
  for (let i = 0; i < heldOut.length; i += 25) {
    const batch = heldOut.slice(i, i + 25);
    const outputs = await lm.generateBatch(batch.map((e) => e.prompt), { maxNewTokens: 16 });
    outputs.forEach((o, j) => { if (o.join() === batch[j]!.completion.join()) right++; });
  }
  return right / heldOut.length;
}

const curve: { step: number; loss: number; seconds: number; heldOutExact?: number }[] = [];
const maxMs = Number(values['max-minutes']) * 60_000;
const evalEvery = Number(values['eval-every']);
const trainStart = performance.now();
let stopEarly = false;
const steps = Number(values.steps);
let done = 0;
while (done < steps && !stopEarly) {
  const chunk = Math.min(evalEvery, steps - done);
  const history = await trainSft(lm, examples, {
    steps: chunk, batchSize: Number(values.batch), learningRate: Number(values.lr), warmupSteps: done === 0 ? 100 : 0, padId: config.pad_token_id ?? 0, seed: done,
    onStep: () => { if (maxMs > 0 && performance.now() - trainStart > maxMs) stopEarly = true; },
  });
  done += history.length;
  const loss = history.slice(-20).reduce((a, m) => a + m.loss, 0) / Math.min(20, history.length);
  const accuracy = await readingAccuracy();
  curve.push({ step: done, loss, seconds: (performance.now() - trainStart) / 1000, heldOutExact: accuracy });
  console.log(`step ${done}: loss ${loss.toFixed(3)}, held-out exact answers ${(100 * accuracy).toFixed(1)}%, ${((performance.now() - trainStart) / 1000).toFixed(0)} s`);
  await mkdir(values.out, { recursive: true });
  await lm.save(values.out);
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(values.tokenizer, file), join(values.out, file));
  await writeFile(join(values.out, 'training.json'), `${JSON.stringify({ command: process.argv.slice(1).join(' '), seeds, examples: examples.length, heldOut: heldOut.length, backend, config, curve }, null, 1)}\n`);
}
