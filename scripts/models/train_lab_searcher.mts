// The lab searcher's warm start: SFT demonstrations (the varied scripted searcher, toolkit/src/rl/demonstrations.ts)
// on lab worlds of seeds other than the evaluation world's, tokenised exactly as the searcher policy
// records its own runs, packed for scripts/models/train_lab_searcher.py (PyTorch on a GPU; see
// scripts/models/run-searcher-on-device.sh). Pack layout (uint16): count (two words), then per example:
// prompt length, completion length, prompt ids, completion ids, completion mask (1 = the searcher's token).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bm25Index, generateLabWorld, isYesNoQuestion, labSearcherPrompt, loadTokenizer, searcherDemonstrations, type SftExample } from '../../toolkit/src/index.js';

const HELD_OUT = 200;
const { values } = parseArgs({
  options: {
    pack: { type: 'string', default: '.device/searcher' },
    tokenizer: { type: 'string', default: 'datasets/models/lab-tokenizer' },
    seeds: { type: 'string', default: '2,3,4,5,6,7' },
    'max-tokens': { type: 'string', default: '2560' },
    preset: { type: 'string', default: '8-3-3' },
    keep: { type: 'string', default: '3' },
  },
});
const tokenizer = await loadTokenizer(values.tokenizer);
const maxTokens = Number(values['max-tokens']);
const examples: SftExample[] = [];
for (const seed of values.seeds.split(',').map(Number)) {
  const lab = generateLabWorld({ seed, scale: 1 });
  const retriever = Bm25Index.build(lab.corpus);
  const questions = [...lab.splits.train, ...lab.splits.dev, ...lab.splits.test].filter((q) => !isYesNoQuestion(q.golden_answers));
  // Every transcript keeps `keep` documents per block; what varies is whether to search once more.
  const variants = [0, 1].flatMap((followUps) => values.keep.split(',').map((keep) => ({ followUps, keep: Number(keep) })));
  const demos = await searcherDemonstrations({ questions: questions.map((q) => q.question), retriever, tokenizer, preset: values.preset, initialDocs: 3, retrieverKind: 'bm25', buildPrompt: labSearcherPrompt, seed, variants });
  const fitting = demos.examples.filter((e) => e.prompt.length + e.completion.length <= maxTokens);
  examples.push(...fitting);
  console.log(`world ${seed}: ${fitting.length} demonstrations (${demos.examples.length - fitting.length} longer than ${maxTokens} tokens dropped)`);
  retriever.close();
}
const words = [examples.length >>> 16, examples.length & 0xffff];
for (const e of examples) words.push(e.prompt.length, e.completion.length, ...e.prompt, ...e.completion, ...(e.completionMask ?? e.completion.map(() => 1)));
await mkdir(values.pack, { recursive: true });
await writeFile(join(values.pack, 'examples.u16'), Buffer.from(Uint16Array.from(words).buffer));
const eosId = tokenizer.eosTokenIds[0] as number;
const padId = tokenizer.tokenToId('<|endoftext|>') ?? 0;
await writeFile(join(values.pack, 'meta.json'), JSON.stringify({ vocabSize: tokenizer.vocabSize, eosId, padId, heldOut: HELD_OUT, maxTokens, seeds: values.seeds, preset: values.preset, keep: values.keep }));
const tokens = examples.reduce((n, e) => n + e.prompt.length + e.completion.length, 0);
console.log(`packed ${examples.length} demonstrations (${tokens} tokens) into ${values.pack}`);
