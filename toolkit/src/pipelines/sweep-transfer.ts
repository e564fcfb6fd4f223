/**
 * Transfer, the analogue of the paper's MIRAGE result: searchers trained on the lab world are
 * evaluated, without retraining, on a world they never saw: its own corpus, BM25 index and RAG
 * cache (the same frozen generator answers). A generated world (`{seed}`) is written once into the
 * sweep's directory; each searcher's evaluation resumes from its records.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LAB_DATA_SOURCE, LAB_PATHS, LAB_RUN_QUESTIONS, LAB_SCALE } from '../config/index.js';
import { readQa } from '../data/formats/qa.js';
import { generateLabWorld, labWorldDataFiles, writeFilesAtomically } from '../data/lab-world/index.js';
import { cachedChatModel } from '../llm/cache.js';
import { openChatModelSource } from '../llm/open-source.js';
import { openRetrieverSource } from '../retrieval/open-source.js';
import { precomputeRagCache } from '../reward/rag-cache.js';
import type { RlConfig } from '../rl/config.js';
import { evaluateSearcherInWorkers } from './lab-evaluation.js';
import type { TransferWorld } from './sweep-grid.js';
import { interval, searcherScores, typesOf, type SearcherScores } from './sweep-summary.js';

/** A searcher to evaluate on the transfer world, with the settings it was trained with. */
export interface TransferSearcher {
  name: string;
  modelDir: string;
  config: RlConfig;
  /** Its GenAcc (%) on the lab world's test questions, for the gap. */
  inWorldGenAcc: number;
}

export interface TransferResult {
  /** The world's directory and how it was made. */
  world: string;
  seed: number | null;
  /** Naive RAG on the transfer world's test questions. */
  naiveRag: { genAcc: Record<string, number>; questions: number };
  searchers: (SearcherScores & { name: string; inWorldGenAcc: number })[];
}

export interface TransferOptions {
  transfer: TransferWorld;
  /** The sweep's directory: `transfer/<world>/` holds the generated world, its RAG cache and the evaluations. */
  out: string;
  searchers: readonly TransferSearcher[];
  /** Test questions evaluated (the first n of the world's test.jsonl). Default 300. */
  questions?: number;
  /** Cores to use. */
  threads: number;
  onLine?: (line: string) => void;
}

/**
 * @example
 * ```ts
 * const result = await evaluateTransfer({ transfer: { seed: 100 }, out: 'out/ablations', searchers, threads: 2 });
 * result.searchers.map((s) => [s.name, s.genAcc.all]);
 * ```
 */
export async function evaluateTransfer(options: TransferOptions): Promise<TransferResult> {
  const say = options.onLine ?? (() => undefined);
  const name = 'seed' in options.transfer ? `world-seed-${options.transfer.seed}` : basename(options.transfer.world);
  const dir = join(options.out, 'transfer', name);
  const world = 'seed' in options.transfer ? join(dir, 'world') : options.transfer.world;
  await mkdir(dir, { recursive: true });
  if ('seed' in options.transfer && !(await exists(join(world, 'test.jsonl')))) {
    say(`transfer: generating the lab world of seed ${options.transfer.seed} in ${world}`);
    await writeFilesAtomically(world, labWorldDataFiles(generateLabWorld({ seed: options.transfer.seed, scale: 1 })));
  }
  const test = (await readQa(join(world, 'test.jsonl')).toArray()).slice(0, options.questions ?? LAB_RUN_QUESTIONS.evaluation);
  const questions = test.map((q) => ({ id: q.id, question: q.question, goldenAnswers: [...q.golden_answers], ...(q.type === undefined ? {} : { type: String(q.type) }) }));
  const corpus = join(world, 'corpus.jsonl');
  const ragFile = join(dir, 'rag-cache.jsonl');
  const generatorCache = join(dir, 'generator-cache');

  say(`transfer: naive RAG on ${test.length} test questions of ${world} (the RAG cache)`);
  const opened = await openRetrieverSource(corpus, 'transfer world corpus');
  const generator = await openChatModelSource(LAB_PATHS.generator, { label: 'generator', threads: options.threads });
  try {
    await precomputeRagCache({ questions: test, retriever: opened.retriever, generator: cachedChatModel(generator, { dir: generatorCache }), out: ragFile, dataSource: LAB_DATA_SOURCE, k: LAB_SCALE.naiveRagK });
  } finally {
    await generator.dispose();
    await opened.close();
  }

  const workers = Math.min(2, options.threads);
  const searchers: TransferResult['searchers'] = [];
  let naive: TransferResult['naiveRag'] | undefined;
  for (const searcher of options.searchers) {
    say(`transfer: evaluating ${searcher.name} on ${world}`);
    const records = await evaluateSearcherInWorkers({
      modelDir: searcher.modelDir, questions, out: join(dir, 'eval', searcher.name.replace(/[^\w.=,+-]+/gu, '_')), retriever: corpus, generator: LAB_PATHS.generator, generatorCache,
      tokenizer: LAB_PATHS.tokenizer, ragCache: ragFile, preset: searcher.config.preset, initialDocs: searcher.config.initialDocs, selection: searcher.config.selection,
      maxResponseTokens: searcher.config.maxResponseTokens, threads: Math.max(1, Math.floor(options.threads / workers)),
    }, workers);
    const scores = searcherScores(records, searcher.config.seed);
    searchers.push({ name: searcher.name, inWorldGenAcc: searcher.inWorldGenAcc, ...scores });
    naive ??= { genAcc: scores.naiveGenAcc, questions: records.length };
  }
  return { world, seed: 'seed' in options.transfer ? options.transfer.seed : null, naiveRag: naive ?? { genAcc: {}, questions: 0 }, searchers };
}

/**
 * The transfer table: naive RAG, then each searcher, GenAcc (%) by question type on the transfer
 * world, GBR with its interval, and GenAcc on the lab world (`labNaiveGenAcc` for naive RAG's row).
 *
 * @example
 * ```ts
 * console.log(formatTable(transferTableRows(summary.transfer, 28.3), { digits: 1 }));
 * ```
 */
export function transferTableRows(transfer: TransferResult, labNaiveGenAcc?: number): Record<string, string | number | null>[] {
  const types = typesOf(transfer.searchers.flatMap((s) => Object.keys(s.genAcc)));
  const byType = (genAcc: Record<string, number>): Record<string, number> => Object.fromEntries(types.map((t) => [t, genAcc[t] ?? 0]));
  return [
    { searcher: 'naive RAG', ...byType(transfer.naiveRag.genAcc), GBR: '—', 'GenAcc on the lab world': labNaiveGenAcc ?? null },
    ...transfer.searchers.map((s) => ({ searcher: s.name, ...byType(s.genAcc), GBR: interval(s.gbr), 'GenAcc on the lab world': s.inWorldGenAcc })),
  ];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
