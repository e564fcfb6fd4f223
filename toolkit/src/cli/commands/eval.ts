import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { readQa } from '../../data/formats/qa.js';
import { formatTable, progressCallback } from '../../display/index.js';
import { defaultMethodRegistry } from '../../eval/methods.js';
import { RECORDS_FILE, SUMMARY_FILE, runEvaluation } from '../../eval/run-evaluation.js';
import { summaryRows } from '../../eval/summary.js';
import { cachedChatModel } from '../../llm/cache.js';
import { loadLocalChatModel } from '../../llm/local.js';
import { openAiChatModel } from '../../llm/openai.js';
import type { ChatModel } from '../../llm/types.js';
import { openRetriever, type OpenedRetriever } from '../../retrieval/open-index.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';

const EvalOptions = z.object({
  methods: z.string().transform((list) => list.split(',').map((m) => m.trim()).filter(Boolean)).pipe(z.array(z.string()).min(1, 'name at least one method')),
  data: z.string().min(1),
  out: z.string().min(1),
  limit: z.coerce.number().int().min(1).optional(),
  generator: z.string().min(1),
  model: z.string().min(1).optional(),
  judge: z.string().min(1).optional(),
  index: z.string().min(1).optional(),
  k: z.coerce.number().int().min(1).max(1000),
  maxTokens: z.coerce.number().int().min(1).optional(),
  cache: z.string().min(1).optional(),
  batchSize: z.coerce.number().int().min(1).max(4096),
  concurrency: z.coerce.number().int().min(1).max(256),
});

const isUrl = (target: string): boolean => /^https?:\/\//iu.test(target);

/** A `ChatModel` for `--generator`/`--judge`: an OpenAI-compatible server URL, or a local model directory. */
async function openChatModel(option: string, target: string, model: string | undefined): Promise<ChatModel & { dispose?: () => void }> {
  if (isUrl(target)) {
    if (!model) throw new UsageError(`--${option} ${target} is a server: name its model with --model (e.g. --model Qwen/Qwen2.5-14B-Instruct)`);
    return openAiChatModel({ baseUrl: target, model });
  }
  const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new UsageError(`--${option} ${target}: expected a model directory or an http(s) URL`);
  return loadLocalChatModel(target);
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate methods on a QA set: the frozen generator answers from each method\'s context, scored by GenAcc (span match, else the judge), EM and F1')
    .requiredOption('--methods <list>', `comma-separated methods (${defaultMethodRegistry.names().join(', ')})`)
    .requiredOption('--data <file>', 'QA JSONL (id, question, golden_answers, optional type)')
    .requiredOption('--out <dir>', `output directory (${RECORDS_FILE}, resumed if present; ${SUMMARY_FILE})`)
    .requiredOption('--generator <dir|url>', 'the frozen generator: a local model directory or an OpenAI-compatible server URL')
    .option('--model <name>', 'model name on the server, when --generator/--judge is a URL')
    .option('--judge <dir|url|none>', 'the GenAcc judge (default: the generator; "none": span match only)')
    .option('--index <dir>', 'retrieval index (made by "s3lab index"), for methods that retrieve')
    .option('--limit <n>', 'evaluate the first n questions only')
    .option('-k, --k <n>', 'passages per retrieval for naive RAG', '3')
    .option('--max-tokens <n>', 'most tokens per generator answer (default: the backend\'s)')
    .option('--cache <dir>', 'on-disk response cache for generator and judge calls')
    .option('--batch-size <n>', 'questions per generator call', '16')
    .option('--concurrency <n>', 'batches in flight', '2')
    .addHelpText('after', '\nExample:\n  s3lab eval --methods no-retrieval,naive-rag --data datasets/lab/test.jsonl --limit 100 \\\n    --generator http://127.0.0.1:8001/v1 --model lab-reader --index indexes/lab-bm25 --out out/eval')
    .action(async (raw: unknown) => {
      const options = parseOptions(EvalOptions, raw);
      for (const name of options.methods) {
        if (!defaultMethodRegistry.has(name)) throw new UsageError(`--methods: unknown method ${JSON.stringify(name)}; known: ${defaultMethodRegistry.names().join(', ')}`);
      }
      const needsIndex = options.methods.filter((name) => defaultMethodRegistry.get(name).needsRetriever);
      if (needsIndex.length > 0 && !options.index) throw new UsageError(`--index is needed by ${needsIndex.join(', ')}`);
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
      const progress = new Map<string, ReturnType<typeof progressCallback>>();
      try {
        const started = Date.now();
        const { summary } = await runEvaluation({
          methods: options.methods, questions, generator: wrap(generator), ...(judge ? { judge: wrap(judge) } : {}),
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
        if (judge && judge !== generator) (judge as { dispose?: () => void }).dispose?.();
      }
    });
}
