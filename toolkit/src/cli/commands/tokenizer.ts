import type { Command } from 'commander';
import { z } from 'zod';
import { readCorpus } from '../../data/index.js';
import { loadTokenizer, trainLabTokenizer } from '../../models/tokenizer/index.js';
import { parseOptions } from '../options.js';

const TrainOptions = z.object({
  corpus: z.array(z.string().min(1)).min(1),
  vocabSize: z.coerce.number().int().min(260).max(1_000_000),
  out: z.string().min(1),
});

/** `s3lab tokenizer train`: a byte-level BPE tokenizer with Qwen2.5's special tokens and ChatML template. */
export function registerTokenizer(program: Command): void {
  const tokenizer = program.command('tokenizer').description('train and inspect tokenizers (tokenizer.json + tokenizer_config.json)');
  tokenizer
    .command('train')
    .description('train a byte-level BPE tokenizer shaped like Qwen2.5\'s (<|endoftext|>, <|im_start|>, <|im_end|>, ChatML chat template)')
    .requiredOption('--corpus <file...>', 'training files: corpus JSONL ({"id","contents"} lines) or plain text')
    .option('--vocab-size <n>', 'whole vocabulary size, the 3 special tokens included', '4096')
    .requiredOption('--out <dir>', 'directory to write tokenizer.json and tokenizer_config.json to')
    .addHelpText('after', '\nExample:\n  s3lab tokenizer train --corpus datasets/lab/corpus.jsonl --vocab-size 4096 --out datasets/models/lab-tokenizer')
    .action(async (raw: unknown) => {
      const options = parseOptions(TrainOptions, raw);
      const started = Date.now();
      const trained = await trainLabTokenizer({ files: options.corpus, vocabSize: options.vocabSize, out: options.out });
      process.stdout.write(`trained in ${((Date.now() - started) / 1000).toFixed(1)} s: ${trained.vocabSize} tokens (256 bytes + ${trained.merges} of ${trained.mergesLearned} learned merges + special tokens)\n`);
      process.stdout.write(`wrote ${trained.tokenizerFile} and ${trained.configFile}\n`);
      // The number a user sizes models and context windows by: tokens per passage of each JSONL corpus.
      const loaded = await loadTokenizer(options.out);
      for (const file of options.corpus.filter((f) => f.endsWith('.jsonl'))) {
        const passages = await readCorpus(file).toArray();
        const encoded = await loaded.tokenize(passages.map((p) => p.contents));
        const total = encoded.reduce((sum, e) => sum + e.ids.length, 0);
        const words = passages.reduce((sum, p) => sum + p.contents.split(/\s+/u).length, 0);
        process.stdout.write(`${file}: ${passages.length} passages, ${(total / passages.length).toFixed(1)} tokens per passage (${(total / words).toFixed(2)} tokens per word)\n`);
      }
    });
}
