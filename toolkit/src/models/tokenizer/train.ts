/**
 * Training a small byte-level BPE tokenizer in Qwen2's shape (GPT-2 byte alphabet, byte-level
 * pre-tokenizer, decoder and post-processor; `<|endoftext|>`, `<|im_start|>`, `<|im_end|>`; the
 * Qwen2.5 ChatML chat template), for lab-scale models that must speak the same prompt format as
 * the paper-scale Qwen2.5 ones.
 *
 * The `tokenizers` Node binding trains only with its default BPE trainer (vocabulary 30000, no
 * options). BPE training is greedy: each step adds the most frequent pair given the merges so far,
 * so a run asked for fewer tokens would have learned exactly the first merges of a longer run.
 * We therefore train once, long, and keep the first merges until the vocabulary has the size asked
 * for. The alphabet is all 256 byte characters (not only those seen in the corpus), so any text
 * encodes; bytes never seen in training take part in no merge, which leaves the merges unchanged.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPE, Tokenizer as NativeTokenizer, byteLevelPreTokenizer } from 'tokenizers';
import { z } from 'zod';
import { InputError } from '../../core/input-error.js';
import { readCorpus } from '../../data/formats/corpus.js';
import { byteLevelAlphabet } from './byte-level.js';
import { QWEN25_CHAT_TEMPLATE } from './qwen-chat-template.js';

/** The special tokens of Qwen2's tokenizer that a chat model needs, in Qwen2's id order. */
export const LAB_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** Options of {@link trainLabTokenizer}. */
export interface TrainLabTokenizerOptions {
  /** Directory to write `tokenizer.json` and `tokenizer_config.json` to (created if needed). */
  out: string;
  /** Training files: a `.jsonl` corpus (`{"id", "contents"}` lines; `contents` is used) or plain text. */
  files?: readonly string[];
  /** Training texts, besides or instead of files. */
  texts?: readonly string[];
  /** Size of the whole vocabulary, special tokens included (what `len(tokenizer)` says in Python). */
  vocabSize: number;
  /** Special tokens appended after the BPE vocabulary (default {@link LAB_SPECIAL_TOKENS}); eos is `<|im_end|>` and pad `<|endoftext|>` when present. */
  specialTokens?: readonly string[];
  /** Chat template written to `tokenizer_config.json` (default Qwen2.5's ChatML). */
  chatTemplate?: string;
}

/** What {@link trainLabTokenizer} wrote. */
export interface TrainedTokenizer {
  tokenizerFile: string;
  configFile: string;
  /** Whole vocabulary size, special tokens included (smaller than asked when the corpus runs out of pairs). */
  vocabSize: number;
  /** Merges kept. */
  merges: number;
  /** Merges the full training run learned. */
  mergesLearned: number;
}

const optionsSchema = z.object({
  out: z.string().min(1),
  files: z.array(z.string().min(1)).default([]),
  texts: z.array(z.string()).default([]),
  vocabSize: z.number().int().min(257).max(1_000_000),
  specialTokens: z.array(z.string().min(1)).default([...LAB_SPECIAL_TOKENS]),
  chatTemplate: z.string().min(1).default(QWEN25_CHAT_TEMPLATE),
}).refine((o) => o.files.length + o.texts.length > 0, { message: 'give training files or texts' })
  .refine((o) => o.vocabSize - o.specialTokens.length > 256, { message: 'vocabSize must leave room for the 256 byte tokens besides the special tokens' })
  .refine((o) => new Set(o.specialTokens).size === o.specialTokens.length, { message: 'special tokens must be distinct' });

const trainedSchema = z.looseObject({
  model: z.looseObject({ merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])) }),
});

/**
 * Trains a byte-level BPE tokenizer (Qwen2's layout) and writes `tokenizer.json` and
 * `tokenizer_config.json` into `out`.
 *
 * @example
 * ```ts
 * import { trainLabTokenizer, loadTokenizer } from '@s3lab/toolkit';
 * await trainLabTokenizer({ files: ['datasets/lab/corpus.jsonl'], vocabSize: 4096, out: '/tmp/lab-tokenizer' });
 * const tokenizer = await loadTokenizer('/tmp/lab-tokenizer');
 * await tokenizer.encode('Drokuthary is a country.');
 * ```
 */
export async function trainLabTokenizer(options: TrainLabTokenizerOptions): Promise<TrainedTokenizer> {
  const o = optionsSchema.parse(options);
  const work = await mkdtemp(join(tmpdir(), 's3lab-bpe-'));
  try {
    const trainingFile = join(work, 'training.txt');
    await writeFile(trainingFile, await trainingText(o.files, o.texts));
    const native = new NativeTokenizer(BPE.empty());
    native.setPreTokenizer(byteLevelPreTokenizer(false, true));
    native.train([trainingFile]);
    const trainedFile = join(work, 'trained.json');
    native.save(trainedFile, false);
    const learned = trainedSchema.parse(JSON.parse(await readFile(trainedFile, 'utf8'))).model.merges
      .map((m): [string, string] => (typeof m === 'string' ? splitMerge(m) : m));

    const { vocab, merges } = firstMerges(learned, o.vocabSize - o.specialTokens.length);
    const json = byteLevelBpeJson(vocab, merges, o.specialTokens);
    await mkdir(o.out, { recursive: true });
    const tokenizerFile = join(o.out, 'tokenizer.json');
    // Written through the library, so the file is in the library's own canonical form.
    NativeTokenizer.fromString(JSON.stringify(json)).save(tokenizerFile, true);
    const configFile = join(o.out, 'tokenizer_config.json');
    await writeFile(configFile, `${JSON.stringify(tokenizerConfig(vocab.size, o.specialTokens, o.chatTemplate), null, 2)}\n`);
    return { tokenizerFile, configFile, vocabSize: vocab.size + o.specialTokens.length, merges: merges.length, mergesLearned: learned.length };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * One text to train on: every corpus passage's contents and every text, a line break between.
 * A JSONL corpus is read as every corpus is (`readCorpus`: one bad line, a repeated id or an empty
 * file is an error naming it); a file or a whole training set with no text is refused, since BPE
 * would learn nothing from it.
 */
async function trainingText(files: readonly string[], texts: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const file of files) {
    if (file.endsWith('.jsonl')) {
      // Blank lines are skipped, as the trainer always did with corpus files.
      for await (const { contents } of readCorpus(file, { blankLines: 'skip' })) parts.push(contents);
      continue;
    }
    const content = await readFile(file, 'utf8');
    if (content.trim() === '') throw new InputError(`${file} is empty: expected text to train the tokenizer on`);
    parts.push(content);
  }
  parts.push(...texts);
  if (parts.every((part) => part.trim() === '')) {
    throw new InputError(`no text to train the tokenizer on: ${[...files, ...(texts.length ? [`${texts.length} texts`] : [])].join(', ')} hold only empty passages`);
  }
  return `${parts.join('\n')}\n`;
}

/** `"a b"` (the older merges format) as a pair; byte-level tokens never contain a space. */
function splitMerge(merge: string): [string, string] {
  const [a, b, ...rest] = merge.split(' ');
  if (a === undefined || b === undefined || rest.length > 0) throw new Error(`merge ${JSON.stringify(merge)} is not two tokens`);
  return [a, b];
}

/**
 * The byte alphabet plus the tokens of the first merges, up to `size` tokens, and those merges.
 * A merge whose result is already a token (two merges can spell the same string) adds no token
 * but is kept, as the full run has it at that rank.
 */
export function firstMerges(learned: readonly (readonly [string, string])[], size: number): { vocab: Map<string, number>; merges: [string, string][] } {
  const vocab = new Map(byteLevelAlphabet().map((c, i) => [c, i]));
  const merges: [string, string][] = [];
  for (const [a, b] of learned) {
    if (vocab.size >= size) break;
    // The trainer only merges tokens it already has, so this holds by construction; checked because the claim matters.
    if (!vocab.has(a) || !vocab.has(b)) throw new Error(`merge ${a} ${b} uses a token that no earlier merge made`);
    if (!vocab.has(a + b)) vocab.set(a + b, vocab.size);
    merges.push([a, b]);
  }
  return { vocab, merges };
}

/** A `tokenizer.json` as Qwen2's is laid out (GPT-2's byte-level pre-tokenizer regex rather than Qwen2's). */
function byteLevelBpeJson(vocab: Map<string, number>, merges: [string, string][], specialTokens: readonly string[]): object {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content, i) => ({
      id: vocab.size + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab: Object.fromEntries(vocab), merges,
    },
  };
}

/** `tokenizer_config.json` as transformers writes Qwen2.5-Instruct's, for a generic fast tokenizer. */
function tokenizerConfig(firstSpecialId: number, specialTokens: readonly string[], chatTemplate: string): object {
  const has = (t: string): boolean => specialTokens.includes(t);
  return {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(specialTokens.map((content, i) => [String(firstSpecialId + i), {
      content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true,
    }])),
    additional_special_tokens: specialTokens.filter((t) => t !== '<|endoftext|>'),
    bos_token: null,
    chat_template: chatTemplate,
    clean_up_tokenization_spaces: false,
    eos_token: has('<|im_end|>') ? '<|im_end|>' : (specialTokens[0] ?? null),
    errors: 'replace',
    pad_token: has('<|endoftext|>') ? '<|endoftext|>' : null,
    split_special_tokens: false,
    // The generic class: transformers loads it from tokenizer.json alone (Qwen2Tokenizer's slow twin wants vocab.json/merges.txt).
    tokenizer_class: 'PreTrainedTokenizerFast',
    unk_token: null,
  };
}
