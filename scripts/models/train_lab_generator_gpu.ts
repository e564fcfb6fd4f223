// The lab generator's training on a GPU (WebGPU): reads pre-tokenised examples written by
// `train_lab_generator.mts --pack FILE` and trains with scripts/models/lab-generator-core.ts.
// Bundled with esbuild and run on the device machine by scripts/models/run-generator-on-device.sh.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { useTfjsBackend } from '../../toolkit/src/models/tfjs/backend.js';
import { trainGenerator, unpackExamples } from './lab-generator-core.js';

const { values } = parseArgs({ options: {
  examples: { type: 'string' }, meta: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string', default: '4000' },
  batch: { type: 'string', default: '32' }, lr: { type: 'string', default: '1e-3' }, hidden: { type: 'string', default: '192' },
  layers: { type: 'string', default: '4' }, 'max-minutes': { type: 'string', default: '6' }, 'eval-every': { type: 'string', default: '500' },
} });
await useTfjsBackend('webgpu');
const meta = JSON.parse(await readFile(values.meta as string, 'utf8')) as { vocabSize: number; eosId: number; padId: number; heldOut: number; seeds: number[] };
const all = unpackExamples(await readFile(values.examples as string));
const heldOut = all.splice(-meta.heldOut);
await trainGenerator({
  examples: all, heldOut, vocabSize: meta.vocabSize, eosId: meta.eosId, padId: meta.padId, hidden: Number(values.hidden), layers: Number(values.layers),
  steps: Number(values.steps), batch: Number(values.batch), lr: Number(values.lr), evalEvery: Number(values['eval-every']), maxMinutes: Number(values['max-minutes']),
  backend: 'webgpu', out: values.out as string, command: `train_lab_generator_gpu ${process.argv.slice(2).join(' ')}`, seeds: meta.seeds,
});
