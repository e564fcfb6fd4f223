import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { SHIPPED_LAB_MODELS, type LabMethod } from '../../agent/lab-searcher/lab-searcher.js';
import { isLabSearcher, loadLabSearcher, readLabSearcherInfo, type LabSearcherInfo } from '../../agent/lab-searcher/loaded.js';
import type { Method, SearcherModel } from '../../agent/method.js';
import { getMethod, hasMethod, listMethods, methodNames } from '../../agent/registry.js';
import { LAB_DATA_SOURCE, LAB_PATHS, PAPER_SCALE } from '../../config/index.js';
import { formatTable } from '../../core/text-table.js';
import { readCorpus } from '../../data/formats/corpus.js';
import { readQa } from '../../data/formats/qa.js';
import { progressCallback } from '../../display/index.js';
import { RECORDS_FILE, SUMMARY_FILE, runEvaluation, type EvaluationSummary } from '../../eval/run-evaluation.js';
import { summaryRows } from '../../eval/summary.js';
import { cachedChatModel } from '../../llm/cache.js';
import type { ChatModel } from '../../llm/types.js';
import { Bm25Index } from '../../retrieval/index.js';
import { openRetriever, type OpenedRetriever } from '../../retrieval/open-index.js';
import { RagCache } from '../../reward/rag-cache.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';
import { openChatModel } from './targets.js';
import { isUrl } from '../../core/is-url.js';

const EvalOptions = z.object({
  methods: z.string().transform((list) => list.split(',').map((m) => m.trim()).filter(Boolean)).pipe(z.array(z.string()).min(1, 'name at least one method')),
  data: z.string().min(1),
  out: z.string().min(1),
  limit: z.coerce.number().int().min(1).optional(),
  generator: z.string().min(1),
  model: z.string().min(1).optional(),
  judge: z.string().min(1).optional(),
  /** Each `--searcher`: `DIR|URL` (every method that needs one) or `METHOD=DIR|URL`. */
  searcher: z.array(z.string().min(1)).default([]),
  preset: z.string().min(1).optional(),
  index: z.string().min(1).optional(),
  corpus: z.string().min(1).optional(),
  k: z.coerce.number().int().min(1).max(1000),
  maxTokens: z.coerce.number().int().min(1).optional(),
  cache: z.string().min(1).optional(),
  batchSize: z.coerce.number().int().min(1).max(4096),
  concurrency: z.coerce.number().int().min(1).max(256),
  ragCache: z.string().min(1).optional(),
  dataSource: z.string().min(1),
  force: z.boolean().optional(),
});

/** `METHOD=DIR|URL`; a path or URL never matches (a method name has no `/`, `:` or `.` first). */
const METHOD_SEARCHER = /^([a-z0-9][a-z0-9._+-]*)=(.+)$/u;

/** One method's searcher as the command line gave it. */
interface SearcherChoice {
  source: string;
  /** How errors name it: `--searcher X`, or the shipped directory. */
  origin: string;
  /** Where it came from: the shared `--searcher`, a `METHOD=` one, or the shipped lab model. */
  from: 'shared' | 'method' | 'shipped';
}

/** The `--searcher` values: one shared `DIR|URL` and any `METHOD=DIR|URL`, each method among `--methods` and needing one. */
function parseSearcherOptions(values: readonly string[], methods: readonly Method[]): { shared?: string; byMethod: Map<string, string> } {
  let shared: string | undefined;
  const byMethod = new Map<string, string>();
  for (const value of values) {
    const match = METHOD_SEARCHER.exec(value);
    if (!match) {
      if (shared !== undefined) throw new UsageError(`--searcher: ${shared} and ${value} both serve every method; give one shared --searcher DIR|URL and name the others' methods (--searcher METHOD=DIR|URL)`);
      shared = value;
      continue;
    }
    const [, name = '', source = ''] = match;
    const method = methods.find((m) => m.name === name);
    if (!method) throw new UsageError(`--searcher ${value}: ${name} is not among --methods (${methods.map((m) => m.name).join(', ')})`);
    if (!method.needs.searcher) throw new UsageError(`--searcher ${value}: ${name} takes no searcher model`);
    const earlier = byMethod.get(name);
    if (earlier !== undefined) throw new UsageError(`--searcher: ${name} is given two searchers (${earlier} and ${source})`);
    byMethod.set(name, source);
  }
  return shared === undefined ? { byMethod } : { shared, byMethod };
}

/** Whether the questions are the lab world's (`--data` inside `LAB_PATHS.world`): the lab scale, where the shipped lab models are the default searchers. */
function isLabWorldData(data: string): boolean {
  const path = relative(resolve(LAB_PATHS.world), resolve(data));
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}

/**
 * The searcher of each method that needs one: its `METHOD=` one, else the shared one, else at lab
 * scale the shipped lab model of the method; none is a usage error naming the method.
 */
function chooseSearchers(methods: readonly Method[], given: ReturnType<typeof parseSearcherOptions>, labScale: boolean): Map<string, SearcherChoice> {
  const chosen = new Map<string, SearcherChoice>();
  for (const method of methods.filter((m) => m.needs.searcher)) {
    const own = given.byMethod.get(method.name);
    if (own !== undefined) { chosen.set(method.name, { source: own, origin: `--searcher ${method.name}=${own}`, from: 'method' }); continue; }
    if (given.shared !== undefined) { chosen.set(method.name, { source: given.shared, origin: `--searcher ${given.shared}`, from: 'shared' }); continue; }
    const shipped = labScale && Object.hasOwn(SHIPPED_LAB_MODELS, method.name) ? SHIPPED_LAB_MODELS[method.name as LabMethod] : undefined;
    if (shipped !== undefined && existsSync(shipped)) { chosen.set(method.name, { source: shipped, origin: `the shipped ${shipped}`, from: 'shipped' }); continue; }
    const missing = shipped === undefined ? '' : ` (its shipped lab model ${shipped} is not there)`;
    throw new UsageError(`--methods: ${method.name} needs a searcher model: give --searcher <dir|url> or --searcher ${method.name}=<dir|url>${missing}`);
  }
  return chosen;
}

/**
 * The `s3lab.json` of each local searcher (undefined: a chat model), checked: a lab model serves
 * only the method it was trained for (its `method`, s3 when absent).
 */
async function checkLabSearchers(chosen: ReadonlyMap<string, SearcherChoice>): Promise<Map<string, LabSearcherInfo | undefined>> {
  const infos = new Map<string, LabSearcherInfo | undefined>();
  for (const [method, choice] of chosen) {
    if (isUrl(choice.source)) continue;
    if (!infos.has(choice.source)) infos.set(choice.source, await readLabSearcherInfo(choice.source));
    const info = infos.get(choice.source);
    const trained = info?.method ?? 's3';
    if (info && trained !== method) {
      throw new UsageError(`${choice.origin} is a lab ${trained} model (its s3lab.json); it cannot serve ${method}: give ${method} its own with --searcher ${method}=<dir|url>`);
    }
  }
  return infos;
}

/** Where the GBR column's baseline came from, for the closing line. */
function baselineLine(summary: EvaluationSummary, ragCache: string | undefined): string {
  const missing = summary.gbrMissing ? ` (${summary.gbrMissing} records have no baseline and are left out of GBR)` : '';
  if (summary.gbrBaseline?.source === 'rag-cache') return `GBR = GenAcc − naive-RAG GenAcc from the RAG cache ${ragCache ?? ''} (data source ${summary.gbrBaseline.dataSource})${missing}`;
  if (summary.gbrBaseline?.source === 'naive-rag') return `GBR = GenAcc − GenAcc of this run's naive-rag records${missing}`;
  return 'GBR: no baseline (add naive-rag to --methods, or give --rag-cache)';
}

export function registerEval(program: Command): void {
  const modelMethods = listMethods().filter((m) => m.needs.searcher).map((m) => m.name);
  program
    .command('eval')
    .description('evaluate methods on a QA set: the frozen generator answers from each method\'s context, scored by GenAcc (span match, else the judge), GBR (GenAcc − naive-RAG GenAcc), EM and F1')
    .requiredOption('--methods <list>', `comma-separated methods (${methodNames().join(', ')})`)
    .requiredOption('--data <file>', 'QA JSONL (id, question, golden_answers, optional type)')
    .requiredOption('--out <dir>', `output directory (${RECORDS_FILE}, resumed if present; ${SUMMARY_FILE})`)
    .requiredOption('--generator <dir|url>', 'the frozen generator: a local model directory or an OpenAI-compatible server URL')
    .option('--model <name>', 'model name on the server, when --generator/--judge/--searcher is a URL')
    .option('--searcher <[method=]dir|url>', `the searcher/reasoner model of ${modelMethods.join(', ')} (repeatable): DIR|URL serves every method that needs one, METHOD=DIR|URL that method only (taking precedence); a chat model (directory or server URL), or a trained lab model directory (its s3lab.json), which serves only the method it was trained for (s3 unless it says search-r1 or deep-retrieval). On the lab world's questions (--data in ${LAB_PATHS.world}/) a trained method without one gets its shipped lab model (${Object.entries(SHIPPED_LAB_MODELS).map(([m, dir]) => `${m}: ${dir}`).join(', ')})`,
      (value: string, previous: string[] = []) => [...previous, value])
    .option('--preset <docs-turns-kept>', 'searcher preset of s3 and scripted (default 8-3-3; a lab searcher\'s own)')
    .option('--judge <dir|url|none>', 'the GenAcc judge (default: the generator; "none": span match only)')
    .option('--index <dir>', 'retrieval index (made by "s3lab index"), for methods that retrieve')
    .option('--corpus <file>', 'instead of --index: a corpus JSONL indexed with BM25 in memory (seconds for the lab world)')
    .option('--limit <n>', 'evaluate the first n questions only')
    .option('-k, --k <n>', 'passages per retrieval for naive RAG and the baselines', String(PAPER_SCALE.naiveRagK))
    .option('--max-tokens <n>', 'most tokens per generator answer (default: the backend\'s)')
    .option('--cache <dir>', 'on-disk response cache for generator and judge calls')
    .option('--rag-cache <file>', 'GBR baseline: a RAG cache (s3lab rag-cache) with the naive-RAG GenAcc of each question (default: this run\'s naive-rag records, when naive-rag is among --methods)')
    .option('--data-source <name>', 'the questions\' section in --rag-cache', LAB_DATA_SOURCE)
    .option('--batch-size <n>', 'questions per generator call', '16')
    .option('--concurrency <n>', 'batches in flight', '2')
    .option('--force', 'start over: delete the records of an earlier evaluation in --out (one with other settings there is refused otherwise)')
    .addHelpText('after', [
      '',
      'GBR (Gain Beyond RAG) per method and question type = GenAcc − the naive-RAG GenAcc of the same questions,',
      'from --rag-cache if given, else from the naive-rag records of this run (blank when there is neither).',
      'A method that answers itself (search-r1) gets a second row, "METHOD (end to end)": its own answers scored',
      'by the same GenAcc, EM and F1 (a question it left unanswered counts as wrong); its main row is the generator',
      'answering from its documents (the paper\'s "Ret").',
      '',
      'Examples:',
      '  s3lab eval --methods no-retrieval,naive-rag,scripted --data datasets/lab/test.jsonl --corpus datasets/lab/corpus.jsonl \\',
      '    --generator datasets/models/lab-generator --judge none --out out/eval-lab',
      '  s3lab eval --methods no-retrieval,naive-rag,deep-retrieval,search-r1,s3 --data datasets/lab/test.jsonl \\',
      '    --corpus datasets/lab/corpus.jsonl --generator datasets/models/lab-generator --judge none --out out/eval-lab-methods',
      '    # the lab world: the shipped lab models serve deep-retrieval, search-r1 and s3',
      '  s3lab eval --methods naive-rag,s3 --searcher s3=out/train-lab/searcher --data datasets/lab/test.jsonl \\',
      '    --corpus datasets/lab/corpus.jsonl --generator datasets/models/lab-generator --judge none \\',
      '    --rag-cache datasets/models/lab-generator/rag-cache.jsonl --data-source lab --out out/eval-s3',
      '  s3lab eval --methods no-retrieval,naive-rag --data nq-test.jsonl --limit 500 --index indexes/wiki18-e5 \\',
      '    --generator http://127.0.0.1:8001/v1 --model Qwen/Qwen2.5-14B-Instruct --out out/eval-nq',
    ].join('\n'))
    .action(async (raw: unknown) => {
      const options = parseOptions(EvalOptions, raw);
      for (const name of options.methods) {
        if (!hasMethod(name)) throw new UsageError(`--methods: unknown method ${JSON.stringify(name)}; known: ${methodNames().join(', ')}`);
      }
      const methods = options.methods.map((name) => getMethod(name));
      const given = parseSearcherOptions(options.searcher, methods);
      const chosen = chooseSearchers(methods, given, isLabWorldData(options.data));
      const needsIndex = methods.filter((m) => m.needs.retriever).map((m) => m.name);
      if (needsIndex.length > 0 && !options.index && !options.corpus) throw new UsageError(`--index (or --corpus) is needed by ${needsIndex.join(', ')}`);
      if (options.index && options.corpus) throw new UsageError('give --index or --corpus, not both');
      // A model trained by `s3lab train` (its s3lab.json says so) runs in process the one method it was
      // trained for; the other model methods need an instruction-following chat model.
      const labInfos = await checkLabSearchers(chosen);
      const shipped = [...chosen].filter(([, c]) => c.from === 'shipped');
      if (shipped.length > 0) process.stdout.write(`lab world questions: ${shipped.map(([method, c]) => `${c.source} serves ${method}`).join(', ')} (the shipped lab models; --searcher METHOD=DIR|URL gives another)\n`);
      const ragCache = options.ragCache ? await loadRagCache(options.ragCache) : undefined;
      const questions = await readQa(options.data).toArray();

      const generator = await openChatModel('generator', options.generator, options.model);
      const judgeTarget = options.judge ?? options.generator;
      const judge = judgeTarget === 'none' ? undefined : judgeTarget === options.generator ? generator : await openChatModel('judge', judgeTarget, options.model);
      const wrap = (model: ChatModel): ChatModel => (options.cache ? cachedChatModel(model, { dir: options.cache }) : model);
      let opened: OpenedRetriever | undefined;
      if (options.index) {
        const dir = options.index;
        opened = await openRetriever(dir).catch((error: Error) => {
          throw new UsageError(`cannot open --index ${dir}: ${error.message}`);
        });
      }
      if (options.corpus) {
        const corpus = options.corpus;
        const documents = await readCorpus(corpus).toArray().catch((error: Error) => {
          throw new UsageError(`cannot read --corpus ${corpus}: ${error.message}`);
        });
        const index = Bm25Index.build(documents);
        opened = { retriever: index, kind: 'bm25', documents: documents.length, name: `bm25 of ${corpus} (in memory)`, close: () => index.close() };
      }
      const models = new Map<string, SearcherModel>();
      const progress = new Map<string, ReturnType<typeof progressCallback>>();
      try {
        // Each source loads once, whichever methods it serves.
        for (const source of new Set([...chosen.values()].map((c) => c.source))) {
          const info = labInfos.get(source);
          models.set(source, info ? await loadLabSearcher(source, info) : await openChatModel('searcher', source, options.model));
        }
        const searcher = given.shared === undefined ? undefined : models.get(given.shared);
        const own = [...chosen].filter(([, c]) => c.from !== 'shared');
        const searchers = Object.fromEntries(own.map(([method, c]) => [method, models.get(c.source) as SearcherModel]));
        const started = Date.now();
        const { summary } = await runEvaluation({
          methods, questions, generator: wrap(generator), ...(judge ? { judge: wrap(judge) } : {}),
          ...(opened ? { retriever: opened.retriever } : {}),
          // The searchers' prompts differ for BM25 (Boolean queries) and dense retrieval.
          searcher, searchers, preset: options.preset, retrieverKind: opened?.kind,
          limit: options.limit, out: options.out, k: options.k,
          maxTokens: options.maxTokens, batchSize: options.batchSize, concurrency: options.concurrency,
          ragCache, dataSource: options.dataSource,
          describe: { data: options.data, index: opened?.name ?? null, ...(options.ragCache ? { ragCache: options.ragCache } : {}) },
          // The sources as given: a local model's name is only its directory's last part.
          settings: {
            index: opened?.name ?? null, generatorSource: options.generator, judgeSource: judgeTarget, searcherSource: given.shared ?? null, model: options.model ?? null,
            ...(own.length > 0 ? { searcherSources: Object.fromEntries(own.map(([method, c]) => [method, c.source])) } : {}),
          },
          ...(options.force ? { force: true } : {}),
          onProgress: (method, done, total) => {
            const bar = progress.get(method) ?? progressCallback(`evaluating ${method}`);
            progress.set(method, bar);
            bar(done, total);
            if (done === total) bar.finish();
          },
        });
        process.stdout.write(`\n${formatTable(summaryRows(summary.cells))}\n\n`);
        process.stdout.write(`${summary.questions} questions × ${summary.methods.length} methods, generator ${summary.generator}, judge ${summary.judge ?? 'none (span match only)'} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
        process.stdout.write(`${baselineLine(summary, options.ragCache)}\n`);
        process.stdout.write(`wrote ${options.out}/${RECORDS_FILE} and ${options.out}/${SUMMARY_FILE}\n`);
      } finally {
        await opened?.close();
        generator.dispose?.();
        disposeSearchers(models.values());
        if (judge && judge !== generator) (judge as { dispose?: () => void }).dispose?.();
      }
    });
}

/** Frees each loaded searcher (a lab model's weights, a local chat model). */
function disposeSearchers(models: Iterable<SearcherModel>): void {
  for (const model of models) {
    if (isLabSearcher(model)) model.dispose();
    else (model as { dispose?: () => void }).dispose?.();
  }
}

/** The `--rag-cache` file, or a usage error naming it. */
async function loadRagCache(file: string): Promise<RagCache> {
  return RagCache.load(file).catch((error: Error) => {
    throw new UsageError(`cannot read --rag-cache ${file}: ${error.message}`);
  });
}
