import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { readJsonl } from '../../core/jsonl.js';
import { formatTable } from '../../core/text-table.js';
import { labQuestionSchema, measureRetrievalRates, rateRow, readCorpus } from '../../data/index.js';
import { progressCallback } from '../../display/index.js';
import { Bm25Index } from '../../retrieval/bm25/index.js';
import { parseOptions } from '../options.js';

const Options = z.object({
  split: z.enum(['train', 'dev', 'test']),
  k: z.coerce.number().int().min(1).max(100),
  json: z.string().optional(),
});

export function registerLabStats(program: Command): void {
  program
    .command('lab-stats')
    .description('print the sizes of a lab world and its BM25 retrieval rates per question type')
    .argument('<dir>', 'a lab world directory (corpus.jsonl, train/dev/test.jsonl)')
    .option('--split <name>', 'split whose questions are measured: train, dev or test', 'test')
    .option('-k, --k <n>', 'top-k retrieved per query', '3')
    .option('--json <file>', 'also write the statistics as JSON')
    .addHelpText('after', '\nExample:\n  s3lab lab-stats datasets/lab --split dev -k 5')
    .action(async (dir: string, raw: unknown) => {
      const options = parseOptions(Options, raw);
      const started = Date.now();
      const corpus = await readCorpus(join(dir, 'corpus.jsonl')).toArray();
      const questions = await readJsonl(join(dir, `${options.split}.jsonl`), labQuestionSchema).toArray();
      const index = Bm25Index.build(corpus);
      const progress = progressCallback(`measuring BM25 rates (${options.split} split)`);
      const rates = measureRetrievalRates(index, questions, { k: options.k, onProgress: progress });
      progress.finish();
      const words = corpus.reduce((sum, p) => sum + p.contents.split(/\s+/u).length, 0);
      process.stdout.write(`${dir}: ${corpus.length} passages (${(words / corpus.length).toFixed(1)} words each), ${questions.length} ${options.split} questions\n`);
      process.stdout.write(`share of questions with every supporting passage in the BM25 top ${options.k}:\n\n`);
      process.stdout.write(`${formatTable(rates.map(rateRow))}\n\n(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      if (options.json) {
        const stats = { dir, split: options.split, k: options.k, passages: corpus.length, questions: questions.length, rates };
        await writeFile(options.json, `${JSON.stringify(stats, null, 2)}\n`);
        process.stdout.write(`wrote ${options.json}\n`);
      }
    });
}

