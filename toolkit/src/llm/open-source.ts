/**
 * A chat model from one string, the way every s3lab command and job names one: an
 * OpenAI-compatible server URL (vLLM, SGLang, llama.cpp; `model` names the model there) or a local
 * model directory (safetensors + tokenizer). The string (and model name) is the model's
 * description: a worker thread given it opens the same model.
 *
 * @example
 * ```ts
 * import { openChatModelSource } from '@s3lab/toolkit';
 * const generator = await openChatModelSource('datasets/models/lab-generator', { label: 'generator' });
 * const [reply] = await generator.chat([{ messages: [{ role: 'user', content: 'Hello' }], maxTokens: 8 }]);
 * await generator.dispose();
 * ```
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../core/input-error.js';
import { isUrl } from '../core/is-url.js';
import { loadLocalChatModel } from './local.js';
import { openAiChatModel } from './openai.js';
import type { ChatModel } from './types.js';
import { workerChatModel } from './worker-chat-model.js';

export interface ChatModelSourceOptions {
  /** The model's name on the server; needed when the source is a URL. */
  model?: string;
  /** Names the model in errors (e.g. `--generator`). Default `model`. */
  label?: string;
  /** A local model runs in this thread (default) or in its own worker thread, on another core. */
  thread?: 'this' | 'worker';
  /** A local model's ONNX Runtime intra-op threads (default: every core); split the cores between models that run at once. */
  threads?: number;
}

export type OpenedChatModel = ChatModel & { dispose(): void | Promise<void> };

/** Opens `source` as a `ChatModel`; `dispose()` frees it (a no-op for a server). */
export async function openChatModelSource(source: string, options: ChatModelSourceOptions = {}): Promise<OpenedChatModel> {
  const label = options.label ?? 'model';
  if (isUrl(source)) {
    if (!options.model) throw new InputError(`${label} ${source} is a server: name its model (e.g. Qwen/Qwen2.5-14B-Instruct)`);
    return Object.assign(openAiChatModel({ baseUrl: source, model: options.model }), { dispose: () => undefined });
  }
  const isDir = await stat(source).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new InputError(`${label} ${source}: expected a model directory or an http(s) URL`);
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  return options.thread === 'worker' ? workerChatModel(source, threads) : loadLocalChatModel(source, threads);
}
