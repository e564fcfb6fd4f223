/**
 * Tokenizers from a Hugging Face `tokenizer.json`, through the `tokenizers` package: the Node
 * binding of the same Rust library that Python's `transformers` fast tokenizers run, so token
 * ids are those of the original by construction (WordPiece for BERT/e5, byte-level BPE for
 * Qwen2, Unigram, ...), and batches are tokenised on all cores. The side files next to it
 * (`tokenizer_config.json`, `generation_config.json`) add the special tokens and chat template.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer as NativeTokenizer } from 'tokenizers';
import { z } from 'zod';
import { ModelFileError } from '../model-files.js';
import { renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template.js';
import { readTokenizerSideFiles, type SpecialTokenName } from './tokenizer-config.js';

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
  /** The token of an id (in the model's own spelling, e.g. `Ġthe` for byte-level BPE), or `undefined`. */
  idToToken(id: number): string | undefined;
  /** Token ids of one text; special tokens (e.g. BERT's `[CLS] … [SEP]`) added unless `addSpecialTokens: false`, as transformers' `tokenizer.encode`. */
  encode(text: string, options?: EncodeOptions): Promise<number[]>;
  /** The text of token ids, special tokens kept unless `skipSpecialTokens` (transformers' `decode`, without `clean_up_tokenization_spaces`). */
  decode(ids: readonly number[], options?: DecodeOptions): Promise<string>;
  /** {@link TextTokenizer.decode} over a batch. */
  decodeBatch(ids: readonly (readonly number[])[], options?: DecodeOptions): Promise<string[]>;
  /** The named special tokens of `tokenizer_config.json` that are set (`eos_token`, `pad_token`, …). */
  readonly specialTokens: Readonly<Partial<Record<SpecialTokenName, string>>>;
  /** Ids of every special token: those `tokenizer.json` marks special, the named ones, and `additional_special_tokens`; ascending. */
  readonly specialTokenIds: readonly number[];
  /** Ids that end generation: `eos_token`'s, then `generation_config.json`'s `eos_token_id` (a number or a list), without repeats. */
  readonly eosTokenIds: readonly number[];
  /** The chat template in use, or `undefined` when the model has none. */
  readonly chatTemplate: string | undefined;
  /**
   * Renders a conversation with the model's chat template, as transformers'
   * `apply_chat_template(messages, tokenize=False, …)`. Throws a {@link ModelFileError} naming
   * `tokenizer_config.json` when the model has no chat template.
   */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
}

/** Options of {@link TextTokenizer.encode}. */
export interface EncodeOptions {
  /** Add the model's special tokens around the text (default true). */
  addSpecialTokens?: boolean;
}

/** Options of {@link TextTokenizer.decode}. */
export interface DecodeOptions {
  /** Leave special tokens out of the text (default false). */
  skipSpecialTokens?: boolean;
}

/** Options of {@link loadTokenizer}. */
export interface TokenizerOptions {
  /** Truncate every text to this many tokens, special tokens included (the original's `max_length`). Omit for no truncation. */
  maxLength?: number;
}

const optionsSchema = z.object({ maxLength: z.number().int().min(1).optional() });
const textsSchema = z.array(z.string());
const idsSchema = z.array(z.number().int().min(0));
const encodeOptionsSchema = z.object({ addSpecialTokens: z.boolean().default(true) });
const decodeOptionsSchema = z.object({ skipSpecialTokens: z.boolean().default(false) });
/** The part of `tokenizer.json` read here besides what the native library reads: which added tokens are special. */
const addedTokensSchema = z.looseObject({ added_tokens: z.array(z.looseObject({ id: z.number(), content: z.string(), special: z.boolean() })).nullish() });

/**
 * Loads `tokenizer.json` from a model directory (or the file itself), with `tokenizer_config.json`
 * and `generation_config.json` from beside it when they exist. Truncation and padding settings
 * stored in the file are replaced: texts are truncated at `maxLength` and never padded (the
 * caller pads a batch to its own longest text).
 *
 * @example
 * ```ts
 * import { loadTokenizer } from '@s3lab/toolkit';
 * const tokenizer = await loadTokenizer('datasets/models/lab-e5-small', { maxLength: 256 });
 * const [encoded] = await tokenizer.tokenize(['query: who founded Cuga Records?']);
 * console.log(encoded?.ids);
 *
 * const chat = await loadTokenizer('datasets/models/lab-tokenizer');
 * const prompt = chat.applyChatTemplate([{ role: 'user', content: 'Who founded Cuga Records?' }], { addGenerationPrompt: true });
 * const ids = await chat.encode(prompt);
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

  const side = await readTokenizerSideFiles(dirname(file));
  const idOf = (token: string): number | undefined => native.tokenToId(token) ?? undefined;
  const special = new Set<number>();
  for (const t of await readAddedTokens(file)) if (t.special) special.add(t.id);
  for (const token of [...Object.values(side.specialTokens), ...side.additionalSpecialTokens, ...side.decoderSpecialTokens]) {
    const id = idOf(token);
    if (id !== undefined) special.add(id);
  }
  const eosId = side.specialTokens.eos_token === undefined ? undefined : idOf(side.specialTokens.eos_token);
  const eosTokenIds = [...new Set([...(eosId === undefined ? [] : [eosId]), ...side.generationEosIds])];
  const templateVariables: Record<string, string | string[]> = { ...side.specialTokens };
  if (side.additionalSpecialTokens.length > 0) templateVariables.additional_special_tokens = side.additionalSpecialTokens;
  const chatTemplate = 'template' in side.chatTemplate ? side.chatTemplate.template : undefined;

  return {
    maxLength,
    vocabSize: native.getVocabSize(true),
    async tokenize(texts) {
      const batch = textsSchema.parse(texts);
      if (batch.length === 0) return [];
      const encodings = await native.encodeBatch(batch);
      return encodings.map((e) => ({ ids: e.getIds(), typeIds: e.getTypeIds(), attentionMask: e.getAttentionMask() }));
    },
    tokenToId: idOf,
    idToToken: (id) => native.idToToken(id) ?? undefined,
    async encode(text, options = {}) {
      const { addSpecialTokens } = encodeOptionsSchema.parse(options);
      const encoding = await native.encode(z.string().parse(text), null, { addSpecialTokens });
      return encoding.getIds();
    },
    async decode(ids, options = {}) {
      const { skipSpecialTokens } = decodeOptionsSchema.parse(options);
      return native.decode(idsSchema.parse(ids), skipSpecialTokens);
    },
    async decodeBatch(batch, options = {}) {
      const { skipSpecialTokens } = decodeOptionsSchema.parse(options);
      const lists = z.array(idsSchema).parse(batch);
      return lists.length === 0 ? [] : native.decodeBatch(lists, skipSpecialTokens);
    },
    specialTokens: side.specialTokens,
    specialTokenIds: [...special].sort((a, b) => a - b),
    eosTokenIds,
    chatTemplate,
    applyChatTemplate(messages, options = {}) {
      if (chatTemplate === undefined) throw new ModelFileError(side.configFile, 'missing' in side.chatTemplate ? side.chatTemplate.missing : 'no chat template');
      return renderChatTemplate(chatTemplate, messages, options, templateVariables);
    },
  };
}

/** The added tokens listed in `tokenizer.json` (the native binding does not expose which are special). */
async function readAddedTokens(file: string): Promise<{ id: number; special: boolean }[]> {
  const parsed = addedTokensSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  return parsed.success ? (parsed.data.added_tokens ?? []) : [];
}
