// The lab searcher's warm start: SFT demonstrations (the varied scripted searcher, toolkit/src/pipelines/demonstrations.ts)
// on lab worlds of other seeds (every split) and on the evaluation world's (seed 1) train split, tokenised exactly
// as the searcher policy records its own runs, packed for scripts/models/train_lab_searcher.py (PyTorch on a GPU;
// see scripts/models/run-searcher-on-device.sh). Pack layout (uint16): count (two words), then per example:
// prompt length, completion length, prompt ids, completion ids, completion mask (1 = the searcher's token).
// The held-out pack (same layout) holds demonstrations on the evaluation world's dev questions; its test
// questions, on which the lab run evaluates, are in neither pack.
//
// Why the evaluation world's train split is in: the lab tokenizer was learned from that world's corpus, so its
// names are written with tokens that other worlds hardly use (15% of its name tokens occur fewer than 20 times in
// worlds 2-7, whose names take 4.6 tokens against 3.3). A searcher trained on other worlds alone never learned to
// write those tokens, and copied a new name into its follow-up query exactly 1-27% of the time whatever its size
// (2x128 to 6x256, 2026-11-30, names-only queries). With the train split in, the shipped 2x128 size writes 66.7%
// of held-out follow-up queries exactly (4x128: 70.0%). The paper trains its searcher the same way: on the train
// questions of the corpus it is tested on.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bm25Index, generateLabWorld, isYesNoQuestion, labSearcherPrompt, loadTokenizer, searcherDemonstrations, type SftExample } from '../../toolkit/src/index.js';
import { methodDemonstrations } from '../../toolkit/src/pipelines/method-demonstrations.js';

const { values } = parseArgs({
  options: {
    pack: { type: 'string', default: '.device/searcher' },
    tokenizer: { type: 'string', default: 'datasets/models/lab-tokenizer' },
    seeds: { type: 'string', default: '2,3,4,5,6,7' },
    scale: { type: 'string', default: '1' },
    'held-out-seed': { type: 'string', default: '1' },
    // The evaluation world's train split in the examples, every question with every variant (its test
    // split never; its dev split is the held-out pack). As in the paper, where the searcher trains on
    // the train questions over the corpus it is tested on: the lab tokenizer was learned from this
    // world's corpus, so ~15% of its name tokens occur in no other world, and a searcher that never
    // saw them cannot write them.
    'eval-train': { type: 'boolean', default: true },
    'held-out': { type: 'string', default: '300' },
    'max-tokens': { type: 'string', default: '2560' },
    preset: { type: 'string', default: '8-3-3' },
    keep: { type: 'string', default: '3' },
    query: { type: 'string', default: 'names' },
    'max-names': { type: 'string', default: '1' },
    // The lab Search-R1 policy's and DeepRetrieval rewriter's warm starts (toolkit/src/pipelines/method-demonstrations.ts)
    // are packed the same way, from the same worlds; --preset, --keep, --query and --max-names are s3's.
    method: { type: 'string', default: 's3' },
  },
});
const method = values.method;
if (method !== 's3' && method !== 'search-r1' && method !== 'deep-retrieval') throw new Error(`--method: expected s3, search-r1 or deep-retrieval, got ${method}`);
if (values.query !== 'names' && values.query !== 'question+names') throw new Error(`--query: expected names or question+names, got ${values.query}`);
const query = values.query;
const tokenizer = await loadTokenizer(values.tokenizer);
const maxTokens = Number(values['max-tokens']);
// Every transcript keeps `keep` documents per block; what varies is whether to search once more.
const variants = [0, 1].flatMap((followUps) => values.keep.split(',').map((keep) => ({ followUps, keep: Number(keep), query, maxNames: Number(values['max-names']) })));

type Splits = 'all' | 'train' | 'dev';

/** Demonstrations on a world's questions: one variant drawn per question, or (`everyVariant`) one demonstration per variant. */
async function demonstrations(seed: number, splits: Splits, scale: number, everyVariant = false): Promise<SftExample[]> {
  const lab = generateLabWorld({ seed, scale });
  const retriever = Bm25Index.build(lab.corpus);
  const pool = splits === 'all' ? [...lab.splits.train, ...lab.splits.dev, ...lab.splits.test] : lab.splits[splits];
  const questions = pool.filter((q) => !isYesNoQuestion(q.golden_answers)).map((q) => q.question);
  const examples: SftExample[] = [];
  if (method !== 's3') {
    // Each method draws one of two variants per question; `everyVariant` draws twice, with two seeds.
    const qa = pool.filter((q) => !isYesNoQuestion(q.golden_answers)).map((q) => ({ question: q.question, goldenAnswers: q.golden_answers }));
    for (const drawSeed of everyVariant ? [seed, seed + 1000] : [seed]) examples.push(...(await methodDemonstrations({ method, questions: qa, retriever, tokenizer, seed: drawSeed })).examples);
  }
  const draws = method !== 's3' ? [] : everyVariant ? variants.map((v) => [v]) : [variants];
  for (const drawn of draws) {
    const demos = await searcherDemonstrations({ questions, retriever, tokenizer, preset: values.preset, initialDocs: 3, retrieverKind: 'bm25', buildPrompt: labSearcherPrompt, seed, variants: drawn });
    examples.push(...demos.examples);
  }
  const fitting = examples.filter((e) => e.prompt.length + e.completion.length <= maxTokens);
  console.log(`world ${seed} (${splits}): ${fitting.length} demonstrations (${examples.length - fitting.length} longer than ${maxTokens} tokens dropped)`);
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
const evalSeed = Number(values['held-out-seed']);
if (values['eval-train']) examples.push(...(await demonstrations(evalSeed, 'train', 1, true)));
const heldOut = (await demonstrations(evalSeed, values['eval-train'] ? 'dev' : 'train', 1)).slice(0, Number(values['held-out']));
await mkdir(values.pack, { recursive: true });
await writeFile(join(values.pack, 'examples.u16'), pack(examples));
await writeFile(join(values.pack, 'held-out.u16'), pack(heldOut));
const eosId = tokenizer.eosTokenIds[0] as number;
const padId = tokenizer.tokenToId('<|endoftext|>') ?? 0;
await writeFile(join(values.pack, 'meta.json'), JSON.stringify({ vocabSize: tokenizer.vocabSize, eosId, padId, heldOut: heldOut.length, heldOutSeed: evalSeed, evalTrain: values['eval-train'], maxTokens, method, seeds: values.seeds, scale: Number(values.scale), preset: values.preset, keep: values.keep, query, maxNames: Number(values['max-names']) }));
const tokens = examples.reduce((n, e) => n + e.prompt.length + e.completion.length, 0);
console.log(`packed ${examples.length} demonstrations (${tokens} tokens) into ${values.pack}`);
