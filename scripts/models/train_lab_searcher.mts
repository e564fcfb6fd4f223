// The lab searcher's warm start: SFT demonstrations (the varied scripted searcher, toolkit/src/rl/demonstrations.ts)
// on lab worlds of seeds other than the evaluation world's, tokenised exactly as the searcher policy
// records its own runs, packed for scripts/models/train_lab_searcher.py (PyTorch on a GPU; see
// scripts/models/run-searcher-on-device.sh). Pack layout (uint16): count (two words), then per example:
// prompt length, completion length, prompt ids, completion ids, completion mask (1 = the searcher's token).
// The held-out pack (same layout) holds demonstrations on the training questions of the evaluation
// world (seed 1): names the model never saw, so its held-out scores measure copying, not recall; its
// test questions, on which the lab run evaluates, are in neither pack.
//
// The defaults make the shipped warm start's demonstrations. What was tried beside them (2026-11-30,
// held-out follow-up queries written exactly, greedy, train_lab_searcher.py's copy diagnostic):
// --query names --max-names 1 on worlds 2..9 — 2×128 (the shipped size) 1.3%, 4×128 16.7%, 2×192 16.7%;
// on 32 worlds of --scale 0.25 (seeds 2..33, fewer repeats of each name) — 4×128 16.7%, 4×192 22–25%,
// 6×192 21.3%; the lab generator's weights (6×256, a reader trained to copy answers out of passages;
// train_lab_searcher.py --init datasets/models/lab-generator, 1500 steps) 27.3%. Token accuracy stays ~98% throughout: the models learn the protocol and recall names of
// the worlds they saw, but do not copy a new name out of the documents, and a follow-up query is
// useful only when they do. That is why the lab run's RL cannot find a search that pays.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bm25Index, generateLabWorld, isYesNoQuestion, labSearcherPrompt, loadTokenizer, searcherDemonstrations, type SftExample } from '../../toolkit/src/index.js';

const { values } = parseArgs({
  options: {
    pack: { type: 'string', default: '.device/searcher' },
    tokenizer: { type: 'string', default: 'datasets/models/lab-tokenizer' },
    seeds: { type: 'string', default: '2,3,4,5,6,7' },
    scale: { type: 'string', default: '1' },
    'held-out-seed': { type: 'string', default: '1' },
    'held-out': { type: 'string', default: '300' },
    'max-tokens': { type: 'string', default: '2560' },
    preset: { type: 'string', default: '8-3-3' },
    keep: { type: 'string', default: '3' },
    query: { type: 'string', default: 'question+names' },
    'max-names': { type: 'string', default: '2' },
  },
});
if (values.query !== 'names' && values.query !== 'question+names') throw new Error(`--query: expected names or question+names, got ${values.query}`);
const query = values.query;
const tokenizer = await loadTokenizer(values.tokenizer);
const maxTokens = Number(values['max-tokens']);
// Every transcript keeps `keep` documents per block; what varies is whether to search once more.
const variants = [0, 1].flatMap((followUps) => values.keep.split(',').map((keep) => ({ followUps, keep: Number(keep), query, maxNames: Number(values['max-names']) })));

async function demonstrations(seed: number, splits: 'all' | 'train', scale: number): Promise<SftExample[]> {
  const lab = generateLabWorld({ seed, scale });
  const retriever = Bm25Index.build(lab.corpus);
  const pool = splits === 'all' ? [...lab.splits.train, ...lab.splits.dev, ...lab.splits.test] : lab.splits.train;
  const questions = pool.filter((q) => !isYesNoQuestion(q.golden_answers));
  const demos = await searcherDemonstrations({ questions: questions.map((q) => q.question), retriever, tokenizer, preset: values.preset, initialDocs: 3, retrieverKind: 'bm25', buildPrompt: labSearcherPrompt, seed, variants });
  const fitting = demos.examples.filter((e) => e.prompt.length + e.completion.length <= maxTokens);
  console.log(`world ${seed}: ${fitting.length} demonstrations (${demos.examples.length - fitting.length} longer than ${maxTokens} tokens dropped)`);
  retriever.close();
  return fitting;
}

function pack(examples: readonly SftExample[]): Buffer {
  const words = [examples.length >>> 16, examples.length & 0xffff];
  for (const e of examples) words.push(e.prompt.length, e.completion.length, ...e.prompt, ...e.completion, ...(e.completionMask ?? e.completion.map(() => 1)));
  return Buffer.from(Uint16Array.from(words).buffer);
}

const examples: SftExample[] = [];
for (const seed of values.seeds.split(',').map(Number)) examples.push(...(await demonstrations(seed, 'all', Number(values.scale))));
const heldOut = (await demonstrations(Number(values['held-out-seed']), 'train', 1)).slice(0, Number(values['held-out']));
await mkdir(values.pack, { recursive: true });
await writeFile(join(values.pack, 'examples.u16'), pack(examples));
await writeFile(join(values.pack, 'held-out.u16'), pack(heldOut));
const eosId = tokenizer.eosTokenIds[0] as number;
const padId = tokenizer.tokenToId('<|endoftext|>') ?? 0;
await writeFile(join(values.pack, 'meta.json'), JSON.stringify({ vocabSize: tokenizer.vocabSize, eosId, padId, heldOut: heldOut.length, heldOutSeed: Number(values['held-out-seed']), maxTokens, seeds: values.seeds, scale: Number(values.scale), preset: values.preset, keep: values.keep, query, maxNames: Number(values['max-names']) }));
const tokens = examples.reduce((n, e) => n + e.prompt.length + e.completion.length, 0);
console.log(`packed ${examples.length} demonstrations (${tokens} tokens) into ${values.pack}`);
