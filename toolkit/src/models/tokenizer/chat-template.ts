/**
 * Chat templates: the Jinja program in `tokenizer_config.json` that turns a list of messages into
 * the one string a chat model was trained on. Rendered with `@huggingface/jinja`, given the same
 * variables transformers' `apply_chat_template` gives (`messages`, `tools`, `documents`,
 * `add_generation_prompt`, and the special tokens `bos_token`, `eos_token`, …), so the prompt
 * is the original's byte for byte (checked against transformers by the chat-template tests).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { z } from 'zod';
import { ModelFileError } from '../model-files.js';
import { QWEN25_CHAT_TEMPLATE } from './qwen-chat-template.js';

/**
 * One message of a conversation. `content` is the text; other fields a template may read
 * (`tool_calls`, `name`, `tool_call_id`) pass through unchanged.
 */
export interface ChatMessage {
  role: string;
  content: string;
  [field: string]: unknown;
}

/** Options of {@link renderChatTemplate} and `TextTokenizer.applyChatTemplate`. */
export interface ChatTemplateOptions {
  /** End with the header of an assistant turn (`<|im_start|>assistant\n` in ChatML) so the model answers next. Default false, as in transformers. */
  addGenerationPrompt?: boolean;
  /** Tool (function) schemas, JSON objects as in OpenAI's `tools` list; templates with a tools block list them in the system turn. */
  tools?: object[];
}

const messagesSchema = z.array(z.looseObject({ role: z.string().min(1), content: z.string() }));
const optionsSchema = z.object({
  addGenerationPrompt: z.boolean().optional(),
  tools: z.array(z.looseObject({})).optional(),
});

const compiled = new Map<string, Template>();

/** Compiles once per distinct template: parsing dominates the cost of rendering a short conversation. */
function compile(template: string): Template {
  let program = compiled.get(template);
  if (!program) {
    program = new Template(template);
    compiled.set(template, program);
  }
  return program;
}

/**
 * Renders a chat template as transformers' `tokenizer.apply_chat_template(messages,
 * tokenize=False, add_generation_prompt=…, tools=…)` does. `specialTokens` are passed as template
 * variables under their transformers names (`bos_token`, `eos_token`, …); unset ones stay undefined.
 *
 * @example
 * ```ts
 * import { QWEN25_CHAT_TEMPLATE, renderChatTemplate } from '@s3lab/toolkit';
 * const prompt = renderChatTemplate(QWEN25_CHAT_TEMPLATE, [
 *   { role: 'system', content: 'Answer briefly.' },
 *   { role: 'user', content: 'Who founded Cuga Records?' },
 * ], { addGenerationPrompt: true });
 * // '<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\nWho founded Cuga Records?<|im_end|>\n<|im_start|>assistant\n'
 * ```
 */
export function renderChatTemplate(
  template: string,
  messages: readonly ChatMessage[],
  options: ChatTemplateOptions = {},
  specialTokens: Readonly<Record<string, string | string[]>> = {},
): string {
  const parsedMessages = messagesSchema.safeParse(messages);
  if (!parsedMessages.success) {
    throw new TypeError(`messages must be a list of {role, content} with string role and content: ${parsedMessages.error.issues.map((i) => `messages[${i.path.join('][')}]: ${i.message}`).join('; ')}`);
  }
  const { addGenerationPrompt = false } = optionsSchema.parse(options);
  // The caller's own objects are rendered, not zod's copies, so key order (which `tojson` shows) is theirs.
  // transformers passes the special tokens first and its own arguments last, so they win on a clash;
  // tools and documents are None (null here) when not given, which templates test with `if tools`.
  return compile(template).render({
    ...specialTokens,
    messages,
    tools: options.tools ?? null,
    documents: null,
    add_generation_prompt: addGenerationPrompt,
  });
}

/**
 * Sets `chat_template` in a model directory's `tokenizer_config.json` (created if absent; other
 * keys kept), by default to Qwen2.5-Instruct's ChatML template. A `chat_template.jinja` in the
 * directory would take precedence when loading, so it is an error to have one.
 *
 * @example
 * ```ts
 * import { writeChatTemplate } from '@s3lab/toolkit';
 * await writeChatTemplate('/tmp/my-model');   // now loadTokenizer('/tmp/my-model').applyChatTemplate(…) renders ChatML
 * ```
 */
export async function writeChatTemplate(dir: string, template: string = QWEN25_CHAT_TEMPLATE): Promise<string> {
  z.string().min(1).parse(template);
  const jinjaFile = join(dir, 'chat_template.jinja');
  if (await readFile(jinjaFile).then(() => true, () => false)) {
    throw new ModelFileError(jinjaFile, `${jinjaFile} exists and would override the chat_template written to tokenizer_config.json; remove it or edit it instead`);
  }
  const file = join(dir, 'tokenizer_config.json');
  let config: Record<string, unknown> = {};
  const text = await readFile(file, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') return undefined;
    throw new ModelFileError(file, `cannot read ${file}: ${cause.message}`, { cause });
  });
  if (text !== undefined) {
    try {
      config = z.record(z.string(), z.unknown()).parse(JSON.parse(text));
    } catch (cause) {
      throw new ModelFileError(file, `${file} is not a JSON object: ${(cause as Error).message}`, { cause });
    }
  }
  config.chat_template = template;
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
