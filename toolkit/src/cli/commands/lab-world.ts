import type { Command } from 'commander';
import { z } from 'zod';
import { LAB_PATHS } from '../../config/index.js';
import {
  compareFiles, describeFile, generateLabWorld, labWorldDataFiles, summarizeLabWorld, writeFilesAtomically,
} from '../../data/index.js';
import { formatTable, type Row } from '../../core/text-table.js';
import { labWorldReadme, measureRetrievalRates, rateRow } from '../../data/index.js';
import { progressCallback } from '../../display/index.js';
import { Bm25Index } from '../../retrieval/bm25/index.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';

const Options = z.object({
  seed: z.coerce.number().int().min(0).max(0xffffffff),
  out: z.string().min(1),
  scale: z.coerce.number().min(0.01).max(4), // below 0.01 some kinds of entity have no member to draw from
  k: z.coerce.number().int().min(1).max(100),
  check: z.boolean().default(false),
});

export function registerLabWorld(program: Command): void {
  program
    .command('lab-world')
    .description('generate the lab world (corpus, train/dev/test questions, README, manifest) deterministically from a seed')
    .option('--seed <n>', 'random seed', '1')
    .option('--out <dir>', 'output directory', LAB_PATHS.world)
    .option('--scale <x>', 'multiply every size, 0.01 to 4 (1 = about 20k passages and 3000/500/1000 questions)', '1')
    .option('-k, --k <n>', 'top-k of the BM25 rates written to the README', '3')
    .option('--check', 'regenerate in memory and compare with the files in --out instead of writing (exit 2 on any difference)')
    .addHelpText('after', '\nExample:\n  s3lab lab-world --seed 1 --out /tmp/lab && s3lab lab-stats /tmp/lab')
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      const started = Date.now();
      const lab = generateLabWorld({ seed: options.seed, scale: options.scale });
      const summary = summarizeLabWorld(lab);
      process.stderr.write(`generated ${lab.corpus.length} passages and ${lab.splits.train.length}/${lab.splits.dev.length}/${lab.splits.test.length} questions in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

      const progress = progressCallback('measuring BM25 rates (test split)');
      const rates = measureRetrievalRates(Bm25Index.build(lab.corpus), lab.splits.test, { k: options.k, onProgress: progress });
      progress.finish();

      const files = labWorldDataFiles(lab);
      files.set('README.md', labWorldReadme(lab, summary, rates, options.k));
      const manifest = {
        generator: 's3lab lab-world', seed: lab.seed, scale: options.scale, summary,
        files: Object.fromEntries([...files].map(([name, content]) => [name, describeFile(content)])),
      };
      files.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);

      process.stdout.write(`${formatTable(Object.entries(summary.entities).map(([kind, count]) => ({ kind, count })))}\n\n`);
      process.stdout.write(`${formatTable(Object.entries(summary.questions).map(([split, counts]): Row => ({ split, ...counts })))}\n\n`);
      process.stdout.write(`share of test questions with every supporting passage in the BM25 top ${options.k}:\n${formatTable(rates.map(rateRow))}\n\n`);

      if (options.check) {
        const differences = await compareFiles(options.out, files);
        if (differences.length > 0) {
          for (const d of differences) {
            process.stderr.write(d.line === undefined
              ? `${options.out}/${d.file}: missing\n`
              : `${options.out}/${d.file}: differs first at line ${d.line}\n  expected: ${clip(d.expected)}\n  found:    ${clip(d.actual)}\n`);
          }
          throw new UsageError(`${options.out} is not the lab world of seed ${options.seed} (regenerate it with: s3lab lab-world --seed ${options.seed} --out ${options.out})`);
        }
        process.stdout.write(`${options.out}: all ${files.size} files are byte-identical to the lab world of seed ${options.seed}\n`);
        return;
      }
      await writeFilesAtomically(options.out, files);
      process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${options.out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });
}

function clip(line: string | undefined): string {
  if (line === undefined) return '(end of file)';
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}
