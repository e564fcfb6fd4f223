import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatTable, progressCallback } from '../../display/index.js';
import { indexCorpus, measureRetrievalRates, rateRow } from '../../eval/index.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';

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
      const corpus = await readJsonLines(join(dir, 'corpus.jsonl'));
      const questions = await readJsonLines(join(dir, `${options.split}.jsonl`));
      const index = indexCorpus(corpus as { id: string; contents: string }[]);
      const progress = progressCallback(`measuring BM25 rates (${options.split} split)`);
      const rates = measureRetrievalRates(index, questions as { question: string }[], { k: options.k, onProgress: progress });
      progress.finish();
      const words = (corpus as { contents: string }[]).reduce((sum, p) => sum + p.contents.split(/\s+/u).length, 0);
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

async function readJsonLines(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return text.split('\n').filter((l) => l.length > 0).map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new UsageError(`${path}:${i + 1}: not valid JSON`);
    }
  });
}
