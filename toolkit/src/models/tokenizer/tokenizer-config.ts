/**
 * The files beside `tokenizer.json` that say how a tokenizer is used rather than how it splits
 * text: `tokenizer_config.json` (named special tokens, chat template), `chat_template.jinja`
 * (where newer transformers save the template) and `generation_config.json` (the ids that end
 * generation). All are optional: an encoder needs none of them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelFileError, readModelJson } from '../model-files.js';

/** A special token as transformers writes it: a string, or an `AddedToken` dict with its `content`. */
const specialTokenSchema = z.union([z.string(), z.looseObject({ content: z.string() })]).nullish();

/** The names transformers gives to special tokens (`SPECIAL_TOKENS_ATTRIBUTES`, less the list). */
export const SPECIAL_TOKEN_NAMES = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKEN_NAMES)[number];

const namedTemplateSchema = z.looseObject({ name: z.string(), template: z.string() });

export const tokenizerConfigSchema = z.looseObject({
  ...Object.fromEntries(SPECIAL_TOKEN_NAMES.map((name) => [name, specialTokenSchema])) as Record<SpecialTokenName, typeof specialTokenSchema>,
  additional_special_tokens: z.array(z.union([z.string(), z.looseObject({ content: z.string() })])).nullish(),
  added_tokens_decoder: z.record(z.string(), z.looseObject({ content: z.string(), special: z.boolean().optional() })).nullish(),
  chat_template: z.union([z.string(), z.array(namedTemplateSchema)]).nullish(),
});
export type TokenizerConfig = z.infer<typeof tokenizerConfigSchema>;

const generationConfigSchema = z.looseObject({
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
});

/** What the side files say, resolved to plain values. */
export interface TokenizerSideFiles {
  /** `tokenizer_config.json`'s path (whether or not it exists): errors about the chat template name it. */
  configFile: string;
  /** The named special tokens that are set (`eos_token: '<|im_end|>'`, …), as strings. */
  specialTokens: Partial<Record<SpecialTokenName, string>>;
  /** `additional_special_tokens`, as strings. */
  additionalSpecialTokens: string[];
  /** Tokens that `added_tokens_decoder` marks special. */
  decoderSpecialTokens: string[];
  /** The chat template, or why there is none. */
  chatTemplate: { template: string } | { missing: string };
  /** `generation_config.json`'s `eos_token_id`, as a list (empty when absent). */
  generationEosIds: number[];
}

/** The content of a special token written as a string or as an AddedToken dict. */
export function specialTokenContent(token: string | { content: string } | null | undefined): string | undefined {
  if (token === null || token === undefined) return undefined;
  return typeof token === 'string' ? token : token.content;
}

/**
 * Picks the template transformers would use from `chat_template`: the string itself, or from a
 * list of named templates the one named "default".
 */
export function selectChatTemplate(chatTemplate: TokenizerConfig['chat_template'], file: string): { template: string } | { missing: string } {
  if (chatTemplate === null || chatTemplate === undefined) return { missing: `${file} has no chat_template (this tokenizer is not set up for chat)` };
  if (typeof chatTemplate === 'string') return { template: chatTemplate };
  const named = chatTemplate.find((t) => t.name === 'default');
  if (named) return { template: named.template };
  const names = chatTemplate.map((t) => JSON.stringify(t.name)).join(', ');
  return { missing: `${file} has named chat templates (${names || 'none'}) but none named "default"` };
}

/** Reads the optional side files of the tokenizer whose `tokenizer.json` is in `dir`. */
export async function readTokenizerSideFiles(dir: string): Promise<TokenizerSideFiles> {
  const configFile = join(dir, 'tokenizer_config.json');
  const found = await readModelJson(configFile, tokenizerConfigSchema, true);
  const config: TokenizerConfig = found ?? {};
  const generation = await readModelJson(join(dir, 'generation_config.json'), generationConfigSchema, true);

  const specialTokens: Partial<Record<SpecialTokenName, string>> = {};
  for (const name of SPECIAL_TOKEN_NAMES) {
    const content = specialTokenContent(config[name]);
    if (content !== undefined) specialTokens[name] = content;
  }
  const additionalSpecialTokens = (config.additional_special_tokens ?? []).map((t) => specialTokenContent(t) as string);
  const decoderSpecialTokens = Object.values(config.added_tokens_decoder ?? {}).filter((t) => t.special === true).map((t) => t.content);

  // transformers ≥ 4.47 saves the template to chat_template.jinja, and prefers it when present.
  const jinjaFile = join(dir, 'chat_template.jinja');
  const jinja = await readFile(jinjaFile, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') return undefined;
    throw new ModelFileError(jinjaFile, `cannot read ${jinjaFile}: ${cause.message}`, { cause });
  });
  const chatTemplate = jinja !== undefined ? { template: jinja }
    : found === undefined ? { missing: `there is no ${configFile} (where a model keeps its chat template)` }
    : selectChatTemplate(config.chat_template, configFile);

  const eos = generation?.eos_token_id;
  const generationEosIds = eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
  return { configFile, specialTokens, additionalSpecialTokens, decoderSpecialTokens, chatTemplate, generationEosIds };
}
