import type { Command } from 'commander';
import { z } from 'zod';
import { isLabSearcher, loadLabSearcher, readLabSearcherInfo } from '../../agent/lab-searcher/loaded.js';
import type { SearcherModel } from '../../agent/method.js';
import { getMethod, hasMethod, listMethods, methodNames } from '../../agent/registry.js';
import { LAB_DATA_SOURCE, PAPER_SCALE } from '../../config/index.js';
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
  searcher: z.string().min(1).optional(),
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
    .option('--searcher <dir|url>', `the searcher/reasoner model of ${modelMethods.join(', ')}: a chat model (directory or server URL); or a trained lab searcher directory (its s3lab.json says so), which runs as s3 only`)
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
      '',
      'Examples:',
      '  s3lab eval --methods no-retrieval,naive-rag,scripted --data datasets/lab/test.jsonl --corpus datasets/lab/corpus.jsonl \\',
      '    --generator datasets/models/lab-generator --judge none --out out/eval-lab',
      '  s3lab eval --methods naive-rag,s3 --searcher datasets/models/lab-searcher --data datasets/lab/test.jsonl \\',
      '    --corpus datasets/lab/corpus.jsonl --generator datasets/models/lab-generator --judge none \\',
      '    --rag-cache datasets/models/lab-generator/rag-cache.jsonl --data-source lab --out out/eval-s3',
      '  s3lab eval --methods no-retrieval,naive-rag --data nq-test.jsonl --limit 500 --index indexes/wiki18-e5 \\',
      '    --generator http://127.0.0.1:8001/v1 --model Qwen/Qwen2.5-14B-Instruct --out out/eval-nq',
    ].join('\n'))
    .action(async (raw: unknown) => {
      const options = parseOptions(EvalOptions, raw);
      for (const name of options.methods) {
        if (!hasMethod(name)) throw new UsageError(`--methods: unknown method ${JSON.stringify(name)}; known: ${methodNames().join(', ')}`);
        if (getMethod(name).needs.searcher && !options.searcher) throw new UsageError(`--methods: ${name} needs a searcher model: give --searcher <dir|url>`);
      }
      const methods = options.methods.map((name) => getMethod(name));
      const needsIndex = methods.filter((m) => m.needs.retriever).map((m) => m.name);
      if (needsIndex.length > 0 && !options.index && !options.corpus) throw new UsageError(`--index (or --corpus) is needed by ${needsIndex.join(', ')}`);
      if (options.index && options.corpus) throw new UsageError('give --index or --corpus, not both');
      // A searcher trained by `s3lab train --preset lab` (its s3lab.json says so) runs in process with the
      // lab prompt, as s3; the other model methods need an instruction-following chat model.
      const wantsSearcher = methods.some((m) => m.needs.searcher);
      const labInfo = wantsSearcher && options.searcher && !isUrl(options.searcher) ? await readLabSearcherInfo(options.searcher) : undefined;
      const notLab = methods.filter((m) => m.needs.searcher === 'chat').map((m) => m.name);
      if (labInfo && notLab.length) throw new UsageError(`--searcher ${options.searcher} is a lab searcher (s3 only); ${notLab.join(', ')} ${notLab.length === 1 ? 'needs' : 'need'} an instruction-following chat model`);
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
      let searcher: SearcherModel | undefined;
      if (wantsSearcher && options.searcher) {
        searcher = labInfo ? await loadLabSearcher(options.searcher, labInfo) : await openChatModel('searcher', options.searcher, options.model);
      }
      const progress = new Map<string, ReturnType<typeof progressCallback>>();
      try {
        const started = Date.now();
        const { summary } = await runEvaluation({
          methods, questions, generator: wrap(generator), ...(judge ? { judge: wrap(judge) } : {}),
          ...(opened ? { retriever: opened.retriever } : {}),
          // The searchers' prompts differ for BM25 (Boolean queries) and dense retrieval.
          searcher, preset: options.preset, retrieverKind: opened?.kind,
          limit: options.limit, out: options.out, k: options.k,
          maxTokens: options.maxTokens, batchSize: options.batchSize, concurrency: options.concurrency,
          ragCache, dataSource: options.dataSource,
          describe: { data: options.data, index: opened?.name ?? null, ...(options.ragCache ? { ragCache: options.ragCache } : {}) },
          // The sources as given: a local model's name is only its directory's last part.
          settings: { index: opened?.name ?? null, generatorSource: options.generator, judgeSource: judgeTarget, searcherSource: options.searcher ?? null, model: options.model ?? null },
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
        if (isLabSearcher(searcher)) searcher.dispose();
        else (searcher as { dispose?: () => void } | undefined)?.dispose?.();
        if (judge && judge !== generator) (judge as { dispose?: () => void }).dispose?.();
      }
    });
}

/** The `--rag-cache` file, or a usage error naming it. */
async function loadRagCache(file: string): Promise<RagCache> {
  return RagCache.load(file).catch((error: Error) => {
    throw new UsageError(`cannot read --rag-cache ${file}: ${error.message}`);
  });
}
