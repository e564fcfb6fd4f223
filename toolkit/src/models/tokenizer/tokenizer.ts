/**
 * Tokenizers from a Hugging Face `tokenizer.json`, through the `tokenizers` package: the Node
 * binding of the same Rust library that Python's `transformers` fast tokenizers run, so token
 * ids are those of the original by construction (WordPiece for BERT/e5, byte-level BPE for
 * Qwen2, Unigram, ...), and batches are tokenised on all cores.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer as NativeTokenizer } from 'tokenizers';
import { z } from 'zod';
import { ModelFileError } from '../model-files.js';

/** One text as the model takes it: token ids, segment (token type) ids and attention mask, unpadded. */
export interface TokenizedText {
  ids: number[];
  typeIds: number[];
  attentionMask: number[];
}

/** A loaded tokenizer with a fixed truncation length. */
export interface TextTokenizer {
  /** Longest sequence returned, special tokens included; `undefined` when texts are never truncated. */
  readonly maxLength: number | undefined;
  /** Vocabulary size, added tokens included. */
  readonly vocabSize: number;
  /** Tokenises a batch (special tokens added, as `tokenizer(texts, truncation=True, max_length=…)` does in Python). */
  tokenize(texts: readonly string[]): Promise<TokenizedText[]>;
  /** The id of a token of the vocabulary, or `undefined`. */
  tokenToId(token: string): number | undefined;
}

/** Options of {@link loadTokenizer}. */
export interface TokenizerOptions {
  /** Truncate every text to this many tokens, special tokens included (the original's `max_length`). Omit for no truncation. */
  maxLength?: number;
}

const optionsSchema = z.object({ maxLength: z.number().int().min(1).optional() });
const textsSchema = z.array(z.string());

/**
 * Loads `tokenizer.json` from a model directory (or the file itself). Truncation and padding
 * settings stored in the file are replaced: texts are truncated at `maxLength` and never padded
 * (the caller pads a batch to its own longest text).
 *
 * @example
 * ```ts
 * import { loadTokenizer } from '@s3lab/toolkit';
 * const tokenizer = await loadTokenizer('datasets/models/lab-e5-small', { maxLength: 256 });
 * const [encoded] = await tokenizer.tokenize(['query: who founded Cuga Records?']);
 * console.log(encoded?.ids);
 * ```
 */
export async function loadTokenizer(path: string, options: TokenizerOptions = {}): Promise<TextTokenizer> {
  const { maxLength } = optionsSchema.parse(options);
  const file = await stat(path).then((s) => (s.isDirectory() ? join(path, 'tokenizer.json') : path), () => path);
  let native: NativeTokenizer;
  try {
    native = NativeTokenizer.fromFile(file);
  } catch (cause) {
    const missing = await stat(file).then(() => false, () => true);
    const why = missing ? `there is no ${file} (the tokenizer's vocabulary and rules)` : `${file} is not a tokenizer.json the tokenizers library can read: ${(cause as Error).message}`;
    throw new ModelFileError(file, why, { cause });
  }
  // Settings are fixed here, once: the native tokenizer is shared by asynchronous batch calls.
  if (maxLength === undefined) native.disableTruncation();
  else native.setTruncation(maxLength);
  native.disablePadding();
  return {
    maxLength,
    vocabSize: native.getVocabSize(true),
    async tokenize(texts) {
      const batch = textsSchema.parse(texts);
      if (batch.length === 0) return [];
      const encodings = await native.encodeBatch(batch);
      return encodings.map((e) => ({ ids: e.getIds(), typeIds: e.getTypeIds(), attentionMask: e.getAttentionMask() }));
    },
    tokenToId: (token) => native.tokenToId(token) ?? undefined,
  };
}
