/**
 * What an encoder needs from a model directory's JSON files: the width of its hidden states,
 * how long a sequence its position table allows, and which token pads a batch.
 */
import { z } from 'zod';
import { readModelJson } from '../model-files.js';

const positiveInt = z.number().int().positive();

/** The fields of a Hugging Face `config.json` the encoder reads (others are kept but ignored). */
export const encoderConfigSchema = z.looseObject({
  hidden_size: positiveInt,
  max_position_embeddings: positiveInt,
  model_type: z.string().optional(),
  pad_token_id: z.number().int().nonnegative().nullish(),
});
export type EncoderConfig = z.output<typeof encoderConfigSchema>;

/** A special token in `tokenizer_config.json`: a string, or an AddedToken object with `content`. */
const specialToken = z.union([z.string(), z.looseObject({ content: z.string() })]).transform((t) => (typeof t === 'string' ? t : t.content));

/** The fields of `tokenizer_config.json` the encoder reads; the file itself is optional. */
export const tokenizerConfigSchema = z.looseObject({
  pad_token: specialToken.nullish(),
  model_max_length: z.number().positive().optional(),
});
export type TokenizerConfig = z.output<typeof tokenizerConfigSchema>;

/** Reads and validates `config.json`. */
export function readEncoderConfig(path: string): Promise<EncoderConfig> {
  return readModelJson(path, encoderConfigSchema);
}

/** Reads and validates `tokenizer_config.json`, or `undefined` when the directory has none. */
export function readTokenizerConfig(path: string): Promise<TokenizerConfig | undefined> {
  return readModelJson(path, tokenizerConfigSchema, true);
}

/** The s3 retriever's max length for e5 queries and for the passages of its index (build_index.sh). */
export const DEFAULT_MAX_LENGTH = 256;

/**
 * The truncation length: the one asked for, which the position table must hold; otherwise
 * the original's 256, lowered to what the model and its tokenizer allow.
 *
 * @example
 * ```ts
 * resolveMaxLength(undefined, { hidden_size: 32, max_position_embeddings: 64 }, undefined); // 64
 * ```
 */
export function resolveMaxLength(asked: number | undefined, config: EncoderConfig, tokenizerConfig: TokenizerConfig | undefined): number {
  const positions = config.max_position_embeddings;
  if (asked !== undefined) {
    if (!Number.isInteger(asked) || asked < 1) throw new RangeError(`maxLength must be a positive integer, got ${asked}`);
    if (asked > positions) throw new RangeError(`maxLength ${asked} exceeds the model's position table (config.json: max_position_embeddings = ${positions})`);
    return asked;
  }
  // model_max_length is a huge sentinel (1e30) in tokenizers saved without a limit.
  const tokenizerLimit = tokenizerConfig?.model_max_length !== undefined && tokenizerConfig.model_max_length < 1e6 ? tokenizerConfig.model_max_length : Infinity;
  return Math.min(DEFAULT_MAX_LENGTH, positions, tokenizerLimit);
}

/**
 * The id that pads a batch, as `transformers` picks it: the tokenizer's pad token, else the
 * model's `pad_token_id`, else 0. Attention masks hide padding, so this only has to be a valid id.
 *
 * @example
 * ```ts
 * resolvePadId((t) => (t === '[PAD]' ? 0 : undefined), { hidden_size: 32, max_position_embeddings: 64 }, { pad_token: '[PAD]' }); // 0
 * ```
 */
export function resolvePadId(tokenToId: (token: string) => number | undefined, config: EncoderConfig, tokenizerConfig: TokenizerConfig | undefined): number {
  const token = tokenizerConfig?.pad_token;
  return (token ? tokenToId(token) : undefined) ?? config.pad_token_id ?? 0;
}
