import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { LAB_PATHS } from '../../config/index.js';
import { countLines } from '../../core/lines.js';
import { readCorpus } from '../../data/index.js';
import { progressCallback } from '../../display/index.js';
import { E5_PASSAGE_PREFIX, E5_QUERY_PREFIX, loadEncoder } from '../../models/index.js';
import { buildBm25Index } from '../../retrieval/bm25/index.js';
import { buildDenseIndex, encodePassages } from '../../retrieval/dense/index.js';
import { writeRetrieverDescription } from '../../retrieval/open-index.js';
import { buildLabDenseIndex, checkLabDenseIndex } from '../../pipelines/lab-dense-index.js';
import { loadModelOption } from '../model-option.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../usage-error.js';

const Bm25Options = z.object({
  corpus: z.string().min(1),
  out: z.string().min(1),
  k1: z.coerce.number().positive(),
  b: z.coerce.number().min(0).max(1),
  memoryBudget: z.coerce.number().min(1).max(1 << 20),
});

const DenseOptions = z.object({
  corpus: z.string().min(1),
  encoder: z.string().min(1),
  out: z.string().min(1),
  factory: z.string().min(1),
  batchSize: z.coerce.number().int().min(1).max(65_536),
  maxLength: z.coerce.number().int().min(8).max(8192),
  prefixes: z.boolean(),
  force: z.boolean().optional(),
});

const LabDenseOptions = z.object({
  out: z.string().min(1),
  world: z.string().min(1),
  encoder: z.string().min(1),
  check: z.boolean().default(false),
  sample: z.coerce.number().int().min(0).max(100_000),
});

export function registerIndexCommands(program: Command): void {
  const index = program.command('index').description('build retrieval indexes from a corpus JSONL ({"id", "contents"} lines)')
    .addHelpText('after', '\nExample:\n  s3lab index bm25 --corpus datasets/lab/corpus.jsonl --out indexes/lab-bm25');

  index
    .command('bm25')
    .description('build a Lucene-compatible BM25 index (streaming, bounded memory, compact binary format)')
    .requiredOption('--corpus <file>', 'corpus JSONL')
    .requiredOption('--out <dir>', 'index directory to write')
    .option('--k1 <x>', 'BM25 k1 (Pyserini default)', '0.9')
    .option('--b <x>', 'BM25 b (Pyserini default)', '0.4')
    .option('--memory-budget <MiB>', 'postings held in memory before they spill to sorted runs on disk, merged at the end (wiki-18: ~1.3B postings, 13 GiB in memory)', '1024')
    .addHelpText('after', '\nExamples:\n  s3lab index bm25 --corpus datasets/lab/corpus.jsonl --out indexes/lab-bm25\n  s3lab index bm25 --corpus wiki-18.jsonl --out indexes/wiki18-bm25 --memory-budget 2048')
    .action(async (raw: unknown) => {
      const options = parseOptions(Bm25Options, raw);
      const progress = progressCallback(`indexing ${options.corpus}`);
      const result = await buildBm25Index({ corpusPath: options.corpus, outDir: options.out, k1: options.k1, b: options.b, memoryBudget: options.memoryBudget * 2 ** 20, onProgress: (done) => progress(done, undefined), progressEvery: 2000 });
      progress.finish();
      await writeRetrieverDescription(options.out, { kind: 'bm25' });
      process.stdout.write(`BM25 index of ${result.docCount} passages in ${options.out}: ${(result.indexBytes / 2 ** 20).toFixed(1)} MiB, ${result.seconds.toFixed(1)} s${result.runs ? ` (${result.runs} sorted runs merged)` : ''}\n`);
    });

  index
    .command('dense')
    .description('encode a corpus with an ONNX encoder and build a FAISS index (resumable: run again to continue)')
    .requiredOption('--corpus <file>', 'corpus JSONL')
    .requiredOption('--encoder <dir>', 'encoder directory (config.json, tokenizer.json, model.onnx)')
    .requiredOption('--out <dir>', 'index directory to write')
    .option('--factory <string>', 'FAISS index factory string (inner product)', 'Flat')
    .option('--batch-size <n>', 'passages per encoder call and per checkpoint', '256')
    .option('--max-length <n>', 'tokens per text, special tokens included', '256')
    .option('--no-prefixes', 'do not add e5\'s "query: " / "passage: " prefixes')
    .option('--force', 'start over: delete the index or the interrupted build in --out (one built with other settings is refused otherwise)')
    .addHelpText('after', '\nExample:\n  s3lab index dense --corpus datasets/lab/corpus.jsonl --encoder datasets/models/lab-e5-small --out indexes/lab-dense')
    .action(async (raw: unknown) => {
      const options = parseOptions(DenseOptions, raw);
      const encoder = await loadModelOption('--encoder', options.encoder, (dir) => loadEncoder(dir, { maxLength: options.maxLength }));
      try {
        const total = await countLines(options.corpus); // a progress total; blank lines would be reported by the reader
        const progress = progressCallback(`encoding ${options.corpus}`);
        const passagePrefix = options.prefixes ? E5_PASSAGE_PREFIX : '';
        const source = encodePassages(readCorpus(options.corpus), (texts) => encoder.encode(texts), { dimension: encoder.dimension, batchSize: options.batchSize, prefix: passagePrefix });
        const built = await buildDenseIndex(source, {
          directory: options.out, dimension: encoder.dimension, factory: options.factory, encoder: resolve(options.encoder), total,
          onProgress: (p) => progress(p.done, total), open: false, force: options.force === true,
          // What else makes the vectors. Not the batch size: the mask hides padding, so a passage's vector is the same
          // bits in any batch (measured on the lab encoder), and a resume may take smaller batches.
          settings: { corpus: resolve(options.corpus), maxLength: options.maxLength, passagePrefix },
        });
        progress.finish();
        await writeRetrieverDescription(options.out, {
          kind: 'dense', corpus: resolve(options.corpus), encoder: resolve(options.encoder),
          queryPrefix: options.prefixes ? E5_QUERY_PREFIX : '', passagePrefix, maxLength: options.maxLength,
        });
        process.stdout.write(`dense index of ${built.size} passages (${encoder.dimension} dimensions, ${options.factory}) in ${options.out}\n`);
      } finally {
        await encoder.dispose();
      }
    });

  index
    .command('lab-dense')
    .description("build the lab world's dense index that the repository ships (the lab corpus encoded by the lab encoder, FAISS Flat), with source.json recording the SHA-256 of the files it was made from; --check verifies one instead")
    .option('--out <dir>', 'index directory (a finished index there is replaced)', LAB_PATHS.denseIndex)
    .option('--world <dir>', 'the lab world whose corpus.jsonl is encoded', LAB_PATHS.world)
    .option('--encoder <dir>', 'encoder directory (config.json, tokenizer.json, model.onnx)', LAB_PATHS.encoder)
    .option('--check', "compare --out with source.json's hashes and encode --sample passages again instead of building (exit 2 on any difference)")
    .option('--sample <n>', 'passages --check encodes again', '64')
    .addHelpText('after', `\nExamples:\n  s3lab index lab-dense                 # rebuild ${LAB_PATHS.denseIndex}\n  s3lab index lab-dense --check         # check it against the corpus and the encoder`)
    .action(async (raw: unknown) => {
      const options = parseOptions(LabDenseOptions, raw);
      if (options.check) {
        const check = await checkLabDenseIndex(options.out, { sample: options.sample });
        for (const problem of check.problems) process.stderr.write(`${options.out}: ${problem}\n`);
        if (check.problems.length > 0) throw new UsageError(`${options.out} is not the lab world's dense index (rebuild it with: s3lab index lab-dense --out ${options.out})`);
        process.stdout.write(`${options.out}: ${check.size} vectors built from the corpus and encoder files there now; ${check.sampled} passages encoded again differ from their stored vectors by at most ${check.maxDifference.toExponential(1)}\n`);
        return;
      }
      const progress = progressCallback(`encoding ${options.world}/corpus.jsonl`);
      const built = await buildLabDenseIndex({ out: options.out, world: options.world, encoder: options.encoder, onProgress: progress });
      progress.finish();
      process.stdout.write(`dense index of ${built.size} passages in ${built.directory} (${built.seconds.toFixed(1)} s); ${options.out}/source.json records what it was built from\n`);
    });
}
