// The lab generator's examples, and its training with s3lab's own trainSft. A small Qwen2-architecture
// reader over the lab tokenizer learns reading comprehension on lab worlds of seeds other than 1
// (toolkit/src/pipelines/lab-generator-data.ts). Two uses:
//   --pack DIR   tokenised examples for scripts/models/train_lab_generator.py (PyTorch on a GPU: how the
//                shipped datasets/models/lab-generator was trained; see scripts/models/run-generator-on-device.sh)
//   otherwise    trains here with trainSft (WASM/CPU; ~1k tokens/s, so hours for a useful reader) and
//                writes the same Hugging Face model directory plus training.json
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
    init: { type: 'string' },
    steps: { type: 'string', default: '3000' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '1e-3' },
    warmup: { type: 'string', default: '100' },
    'max-tokens': { type: 'string', default: '2048' },
    hidden: { type: 'string', default: '192' },
    layers: { type: 'string', default: '4' },
    backend: { type: 'string', default: 'wasm' },
    'max-minutes': { type: 'string', default: '0' },
  },
});
const tokenizer = await loadTokenizer(values.tokenizer);
const seeds = values.seeds.split(',').map(Number);
const maxTokens = Number(values['max-tokens']);
const { examples, dropped } = await labGeneratorExamples(tokenizer, { seeds, maxTokens, seed: 1 });
console.log(`examples: ${examples.length} (${HELD_OUT} held out), ${dropped} longer than ${maxTokens} tokens dropped`);
const eosId = tokenizer.eosTokenIds[0] as number;
const padId = tokenizer.tokenToId('<|endoftext|>') ?? 0;
if (values.pack !== undefined) {
  await mkdir(values.pack, { recursive: true });
  await writeFile(join(values.pack, 'examples.u16'), packExamples(examples));
  await writeFile(join(values.pack, 'meta.json'), JSON.stringify({ vocabSize: tokenizer.vocabSize, eosId, padId, heldOut: HELD_OUT, maxTokens, seeds }));
  console.log(`packed into ${values.pack}`);
} else {
  const backend = values.backend as TfjsBackendName;
  await useTfjsBackend(backend);
  const heldOut = examples.splice(-HELD_OUT);
  await trainGenerator({
    examples, heldOut, vocabSize: tokenizer.vocabSize, eosId, padId, hidden: Number(values.hidden), layers: Number(values.layers), maxPositions: maxTokens,
    steps: Number(values.steps), batch: Number(values.batch), lr: Number(values.lr), warmup: Number(values.warmup), init: values.init,
    maxMinutes: Number(values['max-minutes']), backend, out: values.out, command: process.argv.slice(1).join(' '), seeds,
  });
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(values.tokenizer, file), join(values.out, file));
}
