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
import { apiRoot, openAiChatModel } from './openai.js';
import { networkErrorCode } from './retry.js';
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

/**
 * Opens `source` as a `ChatModel`; `dispose()` frees it (a no-op for a server). Every way the
 * source is wrong is an `InputError` naming it: not a URL nor a directory, a model directory with
 * a missing or damaged file, a URL where no server answers (checked now, not at the first request).
 */
export async function openChatModelSource(source: string, options: ChatModelSourceOptions = {}): Promise<OpenedChatModel> {
  const label = options.label ?? 'model';
  if (isUrl(source)) {
    if (!options.model) throw new InputError(`${label} ${source} is a server: name its model (e.g. Qwen/Qwen2.5-14B-Instruct)`);
    await requireServer(source, label);
    return Object.assign(openAiChatModel({ baseUrl: source, model: options.model }), { dispose: () => undefined });
  }
  const isDir = await stat(source).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new InputError(`${label} ${source}: expected a model directory or an http(s) URL`);
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  return options.thread === 'worker' ? workerChatModel(source, threads) : loadLocalChatModel(source, threads);
}

// Long enough for a busy server on another continent; a server that is up answers in milliseconds.
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Fails fast, with one line naming the URL, when nothing answers at `source`: otherwise the first
 * request would find out only after its retries, with work already under way. Any HTTP answer
 * counts (a hosted API may say 401 to an unauthenticated `GET /models`).
 */
async function requireServer(source: string, label: string): Promise<void> {
  try {
    const response = await fetch(`${apiRoot(source)}/models`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
  } catch (error) {
    throw new InputError(`${label} ${source}: no server answers there (${describeUnreachable(error)})`, { cause: error });
  }
}

function describeUnreachable(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  const code = networkErrorCode(error);
  if (code === 'ECONNREFUSED') return 'connection refused: is the server running and listening on that address?';
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return [cause ?? message, code].filter(Boolean).join(', ');
}
