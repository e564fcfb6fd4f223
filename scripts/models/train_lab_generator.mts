// Trains the lab generator: a small Qwen2-architecture reader over the lab tokenizer, by SFT
// (s3lab's trainSft) on reading-comprehension examples from lab worlds of seeds other than 1
// (toolkit/src/rl/lab-generator.ts). Writes a Hugging Face model directory (config.json,
// model.safetensors, tokenizer files) and training.json with the command, settings and curve.
//   here (WASM):  node --conditions=s3lab-source --import tsx scripts/models/train_lab_generator.mts --out DIR --seeds 2,3
//   on a GPU:     ... train_lab_generator.mts --pack .device/generator  (tokenised examples), then
//                 scripts/models/run-generator-on-device.sh there (WebGPU; train_lab_generator_gpu.ts)
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labGeneratorExamples, loadTokenizer, useTfjsBackend, type TfjsBackendName } from '../../toolkit/src/index.js';
import { packExamples, trainGenerator } from './lab-generator-core.js';

const HELD_OUT = 200;
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'datasets/models/lab-generator' },
    tokenizer: { type: 'string', default: 'datasets/models/lab-tokenizer' },
    seeds: { type: 'string', default: '2,3' },
    pack: { type: 'string' },
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
const tokenizer = await loadTokenizer(values.tokenizer);
const seeds = values.seeds.split(',').map(Number);
const { examples, dropped } = await labGeneratorExamples(tokenizer, { seeds, maxTokens: 768, seed: 1 });
console.log(`examples: ${examples.length} (${HELD_OUT} held out), ${dropped} longer than 768 tokens dropped`);
const eosId = tokenizer.eosTokenIds[0] as number;
const padId = tokenizer.tokenToId('<|endoftext|>') ?? 0;
if (values.pack !== undefined) {
  await mkdir(values.pack, { recursive: true });
  await writeFile(join(values.pack, 'examples.u16'), packExamples(examples));
  await writeFile(join(values.pack, 'meta.json'), JSON.stringify({ vocabSize: tokenizer.vocabSize, eosId, padId, heldOut: HELD_OUT, seeds }));
  console.log(`packed into ${values.pack}`);
} else {
  const backend = values.backend as TfjsBackendName;
  await useTfjsBackend(backend);
  const heldOut = examples.splice(-HELD_OUT);
  await trainGenerator({
    examples, heldOut, vocabSize: tokenizer.vocabSize, eosId, padId, hidden: Number(values.hidden), layers: Number(values.layers),
    steps: Number(values.steps), batch: Number(values.batch), lr: Number(values.lr), evalEvery: Number(values['eval-every']),
    maxMinutes: Number(values['max-minutes']), backend, out: values.out, command: process.argv.slice(1).join(' '), seeds,
  });
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(values.tokenizer, file), join(values.out, file));
}
