/**
 * The data verl trains on, from the command line: `s3lab rag-cache` (the naive-RAG GenAcc of each
 * training question, the baseline GBR subtracts) and `s3lab training-set` (the paper's filter,
 * then the rows in the s3/verl parquet layout, each prompt holding the question's initial search
 * results). Both wrap toolkit functions (`precomputeRagCache`, `filterTrainingQuestions`,
 * `buildTrainingRows`, `writeTrainingParquet`) so a paper-scale run needs no TypeScript of its own.
 *
 * @example
 * ```sh
 * s3lab rag-cache --data nq-train.jsonl --data-source nq --retriever http://127.0.0.1:3000 \
 *   --generator http://127.0.0.1:8001/v1 --generator-model Qwen/Qwen2.5-14B-Instruct-GPTQ-Int4 --out data/rag-cache.jsonl
 * s3lab training-set --data nq-train.jsonl --data-source nq --rag-cache data/rag-cache.jsonl \
 *   --retriever http://127.0.0.1:3000 --out data/train.parquet
 * ```
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { PAPER_SCALE } from '../../config/index.js';
import { formatDocLines, toRetrievedDoc } from '../../agent/doc-lines.js';
import { resolvePreset } from '../../agent/presets.js';
import { buildSearcherPrompt } from '../../agent/searcher/prompt.js';
import { writeTrainingParquet } from '../../data/formats/parquet.js';
import { normalizeQuestion, readQa, type QaRecord } from '../../data/formats/qa.js';
import { progressCallback } from '../../display/index.js';
import { precomputeRagCache, RagCache } from '../../reward/rag-cache.js';
import { buildTrainingRows, filterTrainingQuestions } from '../../reward/training-set.js';
import type { Retriever } from '../../retrieval/types.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';
import { openRetrieverSource } from '../../retrieval/open-source.js';
import { openGeneratorAndJudge } from './targets.js';

const RagCacheOptions = z.object({
  data: z.string().min(1),
  dataSource: z.string().min(1),
  retriever: z.string().min(1),
  generator: z.string().min(1),
  generatorModel: z.string().min(1).optional(),
  judge: z.string().min(1).optional(),
  judgeModel: z.string().min(1).optional(),
  out: z.string().min(1),
  k: z.coerce.number().int().min(1).max(1000),
  limit: z.coerce.number().int().min(1).optional(),
  maxTokens: z.coerce.number().int().min(1).optional(),
  cache: z.string().min(1).optional(),
  batchSize: z.coerce.number().int().min(1).max(4096),
  concurrency: z.coerce.number().int().min(1).max(256),
  force: z.boolean().optional(),
});

const TrainingSetOptions = z.object({
  data: z.string().min(1),
  dataSource: z.string().min(1),
  ragCache: z.string().min(1),
  retriever: z.string().min(1),
  retrieverKind: z.enum(['dense', 'bm25']).optional(),
  out: z.string().min(1),
  preset: z.string().min(1),
  initialDocs: z.coerce.number().int().min(1).max(100),
  split: z.string().min(1),
  limit: z.coerce.number().int().min(1).optional(),
  filter: z.boolean(),
});

/**
 * Registers `s3lab rag-cache` and `s3lab training-set`.
 *
 * @example
 * ```ts
 * registerTrainingData(program);
 * ```
 */
export function registerTrainingData(program: Command): void {
  program
    .command('rag-cache')
    .description('precompute the RAG cache: each question\'s naive-RAG answer and GenAcc (the baseline GBR subtracts); resumes a killed run')
    .requiredOption('--data <file>', 'QA JSONL (id, question, golden_answers)')
    .requiredOption('--data-source <name>', 'the section the questions go in (the training rows\' data_source, e.g. nq)')
    .requiredOption('--retriever <url|dir|corpus>', 'retrieval server URL, index directory, or corpus JSONL (BM25 in memory)')
    .requiredOption('--generator <dir|url>', 'the frozen generator: an OpenAI-compatible server URL (vLLM) or a local model directory')
    .option('--generator-model <name>', 'model name on the server, when --generator is a URL')
    .option('--judge <dir|url|none>', 'the GenAcc judge (default: the generator; "none": span match only)')
    .option('--judge-model <name>', 'model name on the judge\'s server (default: --generator-model)')
    .requiredOption('--out <file>', 'the cache file (JSONL; appended to, resumed if present; sections may share one file)')
    .option('-k, --k <n>', 'passages in the naive-RAG context (the original: 3)', '3')
    .option('--limit <n>', 'the first n questions only')
    .option('--max-tokens <n>', 'most tokens per generator answer (default: the backend\'s)')
    .option('--cache <dir>', 'on-disk response cache for generator and judge calls')
    .option('--batch-size <n>', 'questions per retriever/generator call', '16')
    .option('--concurrency <n>', 'batches in flight', '2')
    .option('--force', 'start over: delete --out first (lines made with another generator, judge, k, --max-tokens or retriever there are refused otherwise)')
    .addHelpText('after', `
Examples:
  s3lab rag-cache --data datasets/lab/train.jsonl --data-source lab --retriever datasets/lab/corpus.jsonl \\
    --generator datasets/models/lab-generator --judge none --max-tokens 32 --limit 100 --out out/rag-cache.jsonl
  s3lab rag-cache --data nq-train.jsonl --data-source nq --retriever http://127.0.0.1:3000 \\
    --generator http://127.0.0.1:8001/v1 --generator-model Qwen/Qwen2.5-14B-Instruct-GPTQ-Int4 --out data/rag-cache.jsonl`)
    .action(async (raw: unknown) => {
      const options = parseOptions(RagCacheOptions, raw);
      const questions = (await readQa(options.data).toArray()).slice(0, options.limit);
      const models = await openGeneratorAndJudge(options);
      const retriever = await openRetrieverSource(options.retriever, '--retriever');
      try {
        const bar = progressCallback(`RAG cache ${options.dataSource}`);
        const result = await precomputeRagCache({
          questions, retriever: retriever.retriever, retrieverName: retriever.name, generator: models.generator, judge: models.judge, out: options.out, force: options.force === true,
          dataSource: options.dataSource, k: options.k, maxTokens: options.maxTokens, batchSize: options.batchSize,
          concurrency: options.concurrency, onProgress: (done, total) => bar(done, total),
        });
        bar.finish();
        const cache = await RagCache.load(options.out);
        const scored = questions.map((q) => cache.get(options.dataSource, q.question)?.score ?? 0);
        const genAcc = scored.reduce<number>((a, b) => a + b, 0) / Math.max(1, scored.length);
        process.stdout.write(`${result.written} answered now, ${result.resumed} found in ${options.out}; naive-RAG GenAcc of the ${questions.length} questions ${(100 * genAcc).toFixed(1)}% (generator ${models.generator.name}, judge ${models.judge?.name ?? 'none'}, k ${options.k})\n`);
      } finally {
        await retriever.close();
        models.dispose();
      }
    });

  program
    .command('training-set')
    .description('the s3 training parquet (verl layout): drop yes/no questions and those naive RAG already answers, then one searcher prompt per question')
    .requiredOption('--data <file>', 'QA JSONL (id, question, golden_answers, optional supporting_facts)')
    .requiredOption('--data-source <name>', 'the rows\' data_source (the RAG-cache section the reward looks them up in)')
    .requiredOption('--rag-cache <file>', 'the RAG cache made by "s3lab rag-cache"')
    .requiredOption('--retriever <url|dir|corpus>', 'retrieves each question\'s initial search results for its prompt (the retriever the searcher will use)')
    .option('--retriever-kind <kind>', 'dense or bm25: bm25 asks for Boolean queries in the prompt (default: the index\'s kind; dense for a server URL)')
    .requiredOption('--out <file>', 'the parquet file to write (atomically)')
    .option('--preset <docs-turns-kept>', 'searcher preset: its third number is the documents kept per turn the prompt allows', PAPER_SCALE.searchPreset)
    .option('--initial-docs <n>', 'initial search results in each prompt (as the search loop\'s default)', '5')
    .option('--split <name>', 'extra_info.split of the rows', 'train')
    .option('--limit <n>', 'the first n questions only (before filtering)')
    .option('--no-filter', 'keep every question (for a test set)')
    .addHelpText('after', `
Examples:
  s3lab training-set --data datasets/lab/train.jsonl --data-source lab --rag-cache out/rag-cache.jsonl \\
    --retriever datasets/lab/corpus.jsonl --limit 100 --out out/train.parquet
  s3lab training-set --data nq-train.jsonl --data-source nq --rag-cache data/rag-cache.jsonl \\
    --retriever http://127.0.0.1:3000 --out data/nq-train.parquet`)
    .action(async (raw: unknown) => {
      const options = parseOptions(TrainingSetOptions, raw);
      const preset = (() => {
        try {
          return resolvePreset(options.preset);
        } catch (error) {
          throw new UsageError(`--preset: ${(error as Error).message}`);
        }
      })();
      const questions = (await readQa(options.data).toArray()).slice(0, options.limit);
      const cache = await RagCache.load(options.ragCache);
      const filtered = options.filter
        ? filterTrainingQuestions(questions, cache, options.dataSource)
        : { kept: questions, yesNo: 0, solvedByRag: 0, notInCache: questions.filter((q) => !cache.get(options.dataSource, q.question)).length };
      const retriever = await openRetrieverSource(options.retriever, '--retriever');
      try {
        const kind = options.retrieverKind ?? retriever.kind ?? 'dense';
        const initial = await initialResults(retriever.retriever, filtered.kept, options.initialDocs);
        const rows = await buildTrainingRows(filtered.kept, {
          dataSource: options.dataSource, split: options.split,
          searcherPrompt: (q) => buildSearcherPrompt({ question: q.question, initialResults: initial.get(q.question) ?? '', keptPerTurn: preset.keptPerTurn, retriever: kind }),
        });
        const written = await writeTrainingParquet(options.out, rows);
        process.stdout.write(`${questions.length} questions: ${filtered.yesNo} yes/no dropped, ${filtered.solvedByRag} solved by naive RAG dropped, ${filtered.notInCache} kept although not in the RAG cache\n`);
        process.stdout.write(`wrote ${written} rows to ${options.out} (data_source ${options.dataSource}, preset ${preset.name}, ${options.initialDocs} initial documents, ${kind} prompt)\n`);
      } finally {
        await retriever.close();
      }
    });
}

/** The initial search results of each question as the search loop prints them, by normalised question. */
async function initialResults(retriever: Retriever, questions: readonly QaRecord[], k: number): Promise<Map<string, string>> {
  const normalised = questions.map((q) => normalizeQuestion(q.question));
  const out = new Map<string, string>();
  const bar = progressCallback('initial search results');
  for (let start = 0; start < normalised.length; start += 256) {
    const batch = normalised.slice(start, start + 256);
    const hits = await retriever.search(batch, k);
    batch.forEach((question, i) => out.set(question, formatDocLines((hits[i] ?? []).map(toRetrievedDoc), { spaced: true })));
    bar(Math.min(start + 256, normalised.length), normalised.length);
  }
  bar.finish();
  return out;
}
