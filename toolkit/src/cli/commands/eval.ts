import type { Command } from 'commander';
import { z } from 'zod';
import { readCorpus } from '../../data/formats/corpus.js';
import { readQa } from '../../data/formats/qa.js';
import { Bm25Index } from '../../retrieval/index.js';
import { formatTable } from '../../core/text-table.js';
import { progressCallback } from '../../display/index.js';
import { deepRetrieval, ircot, s3Searcher, scriptedSearcher, searchO1, searchR1 } from '../../agent/index.js';
import { evalMethodFromContextMethod } from '../../eval/agent-methods.js';
import { defaultMethodRegistry, MethodRegistry } from '../../eval/methods.js';
import { RECORDS_FILE, SUMMARY_FILE, runEvaluation } from '../../eval/run-evaluation.js';
import { summaryRows } from '../../eval/summary.js';
import { cachedChatModel } from '../../llm/cache.js';
import type { ChatModel } from '../../llm/types.js';
import { openRetriever, type OpenedRetriever } from '../../retrieval/open-index.js';
import { labSearcherMethod, readLabSearcherInfo } from '../../agent/lab-searcher/method.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';
import { isUrl, openChatModel } from './targets.js';

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
});

/** The methods that need a searcher/reasoner model (`--searcher`). */
const MODEL_METHODS = [s3Searcher, searchR1, ircot, searchO1, deepRetrieval];

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate methods on a QA set: the frozen generator answers from each method\'s context, scored by GenAcc (span match, else the judge), EM and F1')
    .requiredOption('--methods <list>', `comma-separated methods (${[...defaultMethodRegistry.names(), ...MODEL_METHODS.map((m) => m.name)].join(', ')})`)
    .requiredOption('--data <file>', 'QA JSONL (id, question, golden_answers, optional type)')
    .requiredOption('--out <dir>', `output directory (${RECORDS_FILE}, resumed if present; ${SUMMARY_FILE})`)
    .requiredOption('--generator <dir|url>', 'the frozen generator: a local model directory or an OpenAI-compatible server URL')
    .option('--model <name>', 'model name on the server, when --generator/--judge is a URL')
    .option('--searcher <dir|url>', `the searcher/reasoner model of ${MODEL_METHODS.map((m) => m.name).join(', ')} (a local model directory or server URL)`)
    .option('--preset <docs-turns-kept>', 'searcher preset of s3 and scripted (default 8-3-3)')
    .option('--judge <dir|url|none>', 'the GenAcc judge (default: the generator; "none": span match only)')
    .option('--index <dir>', 'retrieval index (made by "s3lab index"), for methods that retrieve')
    .option('--corpus <file>', 'instead of --index: a corpus JSONL indexed with BM25 in memory (seconds for the lab world)')
    .option('--limit <n>', 'evaluate the first n questions only')
    .option('-k, --k <n>', 'passages per retrieval for naive RAG', '3')
    .option('--max-tokens <n>', 'most tokens per generator answer (default: the backend\'s)')
    .option('--cache <dir>', 'on-disk response cache for generator and judge calls')
    .option('--batch-size <n>', 'questions per generator call', '16')
    .option('--concurrency <n>', 'batches in flight', '2')
    .addHelpText('after', '\nExamples:\n  s3lab eval --methods no-retrieval,naive-rag,scripted --data datasets/lab/test.jsonl --corpus datasets/lab/corpus.jsonl \\\n    --generator datasets/models/lab-generator --judge none --out out/eval-lab\n  s3lab eval --methods no-retrieval,naive-rag --data nq-test.jsonl --limit 500 --index indexes/wiki18-e5 \\\n    --generator http://127.0.0.1:8001/v1 --model Qwen/Qwen2.5-14B-Instruct --out out/eval-nq')
    .action(async (raw: unknown) => {
      const options = parseOptions(EvalOptions, raw);
      const modelMethodNames = MODEL_METHODS.map((m) => m.name);
      for (const name of options.methods) {
        if (modelMethodNames.includes(name)) {
          if (!options.searcher) throw new UsageError(`--methods: ${name} needs a searcher model: give --searcher <dir|url>`);
        } else if (!defaultMethodRegistry.has(name)) {
          throw new UsageError(`--methods: unknown method ${JSON.stringify(name)}; known: ${[...defaultMethodRegistry.names(), ...modelMethodNames].join(', ')}`);
        }
      }
      const needsIndex = options.methods.filter((name) => modelMethodNames.includes(name) || defaultMethodRegistry.get(name).needsRetriever);
      if (needsIndex.length > 0 && !options.index && !options.corpus) throw new UsageError(`--index (or --corpus) is needed by ${needsIndex.join(', ')}`);
      if (options.index && options.corpus) throw new UsageError('give --index or --corpus, not both');
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
      // A searcher trained by `s3lab train --preset lab` (its s3lab.json says so) runs in process with the
      // lab prompt, as s3; the other model methods need an instruction-following chat model.
      const labInfo = options.searcher && !isUrl(options.searcher) ? await readLabSearcherInfo(options.searcher) : undefined;
      const notLab = options.methods.filter((name) => modelMethodNames.includes(name) && name !== 's3');
      if (labInfo && notLab.length) throw new UsageError(`--searcher ${options.searcher} is a lab searcher (s3 only); ${notLab.join(', ')} ${notLab.length === 1 ? 'needs' : 'need'} an instruction-following chat model`);
      const searcher = options.searcher && !labInfo ? await openChatModel('searcher', options.searcher, options.model) : undefined;
      // The searchers' prompts differ for BM25 (Boolean queries) and dense retrieval.
      const retrieverKind = opened?.kind;
      const labSearcher = labInfo && options.searcher ? await labSearcherMethod({ dir: options.searcher, preset: options.preset ?? labInfo.preset, initialDocs: labInfo.initialDocs, ...(retrieverKind ? { retrieverKind } : {}) }) : undefined;
      const registry = new MethodRegistry([
        ...defaultMethodRegistry.all(),
        evalMethodFromContextMethod(scriptedSearcher, { preset: options.preset, retrieverKind }),
        ...(searcher ? MODEL_METHODS.map((m) => evalMethodFromContextMethod(m, { model: searcher, preset: options.preset, retrieverKind })) : []),
        ...(labSearcher ? [labSearcher] : []),
      ]);
      const progress = new Map<string, ReturnType<typeof progressCallback>>();
      try {
        const started = Date.now();
        const { summary } = await runEvaluation({
          methods: options.methods, registry, questions, generator: wrap(generator), ...(judge ? { judge: wrap(judge) } : {}),
          ...(opened ? { retriever: opened.retriever } : {}), limit: options.limit, out: options.out, k: options.k,
          maxTokens: options.maxTokens, batchSize: options.batchSize, concurrency: options.concurrency,
          describe: { data: options.data, index: opened?.name ?? null },
          onProgress: (method, done, total) => {
            const bar = progress.get(method) ?? progressCallback(`evaluating ${method}`);
            progress.set(method, bar);
            bar(done, total);
            if (done === total) bar.finish();
          },
        });
        process.stdout.write(`\n${formatTable(summaryRows(summary.cells))}\n\n`);
        process.stdout.write(`${summary.questions} questions × ${summary.methods.length} methods, generator ${summary.generator}, judge ${summary.judge ?? 'none (span match only)'} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
        process.stdout.write(`wrote ${options.out}/${RECORDS_FILE} and ${options.out}/${SUMMARY_FILE}\n`);
      } finally {
        await opened?.close();
        generator.dispose?.();
        searcher?.dispose?.();
        labSearcher?.dispose();
        if (judge && judge !== generator) (judge as { dispose?: () => void }).dispose?.();
      }
    });
}
