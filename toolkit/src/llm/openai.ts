/**
 * A `ChatModel` behind an OpenAI-compatible server: vLLM, SGLang, llama.cpp's server, `s3lab
 * serve llm`, or a hosted API. One HTTP request per chat/completion request (these servers batch
 * across concurrent requests themselves), at most `concurrency` in flight, each retried with
 * backoff when the server is busy or the connection drops.
 */
import { z } from 'zod';
import { mapConcurrent } from './concurrency.js';
import { backoffMs, isRetryableNetworkError, isRetryableStatus, networkErrorCode, retryAfterMs, sleep } from './retry.js';
import { firstStopIndex, resolveChatRequest, resolveCompletionRequest, type ResolvedSampling } from './sampling.js';
import type { ChatModel, ChatRequest, ChatResponse, CompletionRequest } from './types.js';

export interface OpenAiChatModelOptions {
  /** The server, with or without the `/v1` suffix: `http://127.0.0.1:8000` or `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** The model name the server knows (vLLM: `--served-model-name`, else the path it loaded). */
  model: string;
  /** Bearer token; default `OPENAI_API_KEY` from the environment, else none (local servers need none). */
  apiKey?: string;
  /** Most requests in flight at once (default 8). */
  concurrency?: number;
  /** Milliseconds before one attempt is abandoned and retried (default 120 s: long generations are slow). */
  timeoutMs?: number;
  /** Further attempts after a retryable failure (default 4). */
  maxRetries?: number;
  /** The first backoff wait in ms; it doubles on each retry (default 500). */
  retryBaseMs?: number;
  /** The longest single wait, a server's Retry-After included (default 30 s). */
  maxRetryDelayMs?: number;
}

const optionsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/u, error: 'expected an http(s) URL such as http://127.0.0.1:8000/v1' }),
  model: z.string().min(1),
  apiKey: z.string().optional(),
  concurrency: z.number().int().min(1).max(4096).default(8),
  timeoutMs: z.number().int().min(1).default(120_000),
  maxRetries: z.number().int().min(0).max(100).default(4),
  retryBaseMs: z.number().min(0).default(500),
  maxRetryDelayMs: z.number().min(0).default(30_000),
});

const usageSchema = z.looseObject({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish();
const chatResponseSchema = z.looseObject({
  choices: z.array(z.looseObject({ message: z.looseObject({ content: z.string().nullish() }), finish_reason: z.string().nullish() })).min(1),
  usage: usageSchema,
});
const completionResponseSchema = z.looseObject({
  choices: z.array(z.looseObject({ text: z.string(), finish_reason: z.string().nullish() })).min(1),
  usage: usageSchema,
});
const modelsSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

/** A model server refused or failed a request; the message names the server and the model. */
export class LlmServerError extends Error {
  override name = 'LlmServerError';
  constructor(message: string, readonly url: string, readonly model: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Connects to an OpenAI-compatible server. Nothing is sent until the first request.
 *
 * @example
 * ```ts
 * import { openAiChatModel } from '@s3lab/toolkit';
 * const generator = openAiChatModel({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'Qwen/Qwen2.5-14B-Instruct' });
 * const [answer] = await generator.chat([{ messages: [{ role: 'user', content: 'Who founded Cuga Records?' }], maxTokens: 32 }]);
 * console.log(answer?.text);
 * ```
 */
export function openAiChatModel(options: OpenAiChatModelOptions): ChatModel {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`openAiChatModel: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const settings = parsed.data;
  const root = apiRoot(settings.baseUrl);
  const apiKey = settings.apiKey ?? process.env.OPENAI_API_KEY;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  const post = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    const url = `${root}${path}`;
    for (let attempt = 0; ; attempt++) {
      const retryLeft = attempt < settings.maxRetries;
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(settings.timeoutMs) });
        text = await response.text();
      } catch (error) {
        if (retryLeft && isRetryableNetworkError(error)) {
          await sleep(backoffMs(attempt, { baseMs: settings.retryBaseMs, maxMs: settings.maxRetryDelayMs }));
          continue;
        }
        throw new LlmServerError(`model ${settings.model} at ${url}: ${describeNetworkError(error, settings.timeoutMs)}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`, url, settings.model, undefined, { cause: error });
      }
      if (response.ok) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new LlmServerError(`model ${settings.model} at ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`, url, settings.model, response.status);
        }
      }
      if (retryLeft && isRetryableStatus(response.status)) {
        await sleep(backoffMs(attempt, { baseMs: settings.retryBaseMs, maxMs: settings.maxRetryDelayMs, retryAfterMs: retryAfterMs(response.headers) }));
        continue;
      }
      throw await httpError(response.status, text, url, attempt);
    }
  };

  const httpError = async (status: number, text: string, url: string, attempt: number): Promise<LlmServerError> => {
    const said = serverMessage(text);
    const tries = attempt > 0 ? ` after ${attempt + 1} attempts` : '';
    let hint = '';
    if (status === 404) hint = `; ${await servedModels(root, headers, settings.model)}`;
    else if (status === 401 || status === 403) hint = `; check the API key (the apiKey option or OPENAI_API_KEY${apiKey ? ', which is set' : ', which is not set'})`;
    return new LlmServerError(`model ${settings.model} at ${url}: the server answered ${status}${tries}: ${said}${hint}`, url, settings.model, status);
  };

  const run = async <R extends ResolvedSampling>(resolved: R[], path: string, body: (r: R) => Record<string, unknown>, parse: (json: unknown, url: string) => ChatResponse): Promise<ChatResponse[]> =>
    mapConcurrent(resolved, settings.concurrency, async (request) => {
      const json = await post(path, { model: settings.model, ...body(request), ...samplingFields(request), n: 1, stream: false });
      const response = parse(json, `${root}${path}`);
      // Servers exclude the stop string already; cutting again costs nothing and makes every backend agree.
      const at = firstStopIndex(response.text, request.stop);
      return at === undefined ? response : { ...response, text: response.text.slice(0, at), finishReason: 'stop' };
    });

  const parseWith = <T extends z.ZodType>(schema: T, text: (data: z.output<T>) => { text: string; finish: string | null | undefined; usage: z.output<typeof usageSchema> }) => (json: unknown, url: string): ChatResponse => {
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LlmServerError(`model ${settings.model} at ${url} answered an unexpected shape: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, url, settings.model);
    }
    const out = text(parsed.data);
    return {
      text: out.text,
      finishReason: out.finish === 'length' ? 'length' : 'stop',
      usage: { promptTokens: out.usage?.prompt_tokens ?? 0, completionTokens: out.usage?.completion_tokens ?? 0 },
      cached: false,
    };
  };

  return {
    name: settings.model,
    async chat(requests: readonly ChatRequest[]) {
      const resolved = requests.map((r, i) => resolveChatRequest(r, i));
      return run(resolved, '/chat/completions', (r) => ({ messages: r.messages.map(({ role, content }) => ({ role, content })) }),
        parseWith(chatResponseSchema, (d) => ({ text: d.choices[0]?.message.content ?? '', finish: d.choices[0]?.finish_reason, usage: d.usage })));
    },
    async complete(requests: readonly CompletionRequest[]) {
      const resolved = requests.map((r, i) => resolveCompletionRequest(r, i));
      return run(resolved, '/completions', (r) => ({ prompt: r.prompt }),
        parseWith(completionResponseSchema, (d) => ({ text: d.choices[0]?.text ?? '', finish: d.choices[0]?.finish_reason, usage: d.usage })));
    },
  };
}

/** `http://h:8000`, `http://h:8000/` and `http://h:8000/v1/` all become `http://h:8000/v1`. */
export function apiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/u, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

/** The OpenAI request fields of s3lab's sampling settings (sent always, so the server's own defaults never apply). */
function samplingFields(s: ResolvedSampling): Record<string, unknown> {
  return { temperature: s.temperature, top_p: s.topP, max_tokens: s.maxTokens, seed: s.seed, ...(s.stop.length > 0 ? { stop: s.stop } : {}) };
}

/** The human part of an error body: OpenAI's `{error: {message}}`, `{error: "…"}`, FastAPI's `{detail}`, or the raw text. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown };
    const candidate = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.detail ?? body.message);
    if (candidate !== undefined) return typeof candidate === 'string' ? candidate : JSON.stringify(candidate);
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 500) || '(empty body)';
}

/** For a 404: which models the server does serve, so a misspelt name is obvious. Best effort, never throws. */
async function servedModels(root: string, headers: Record<string, string>, model: string): Promise<string> {
  try {
    const response = await fetch(`${root}/models`, { headers, signal: AbortSignal.timeout(5000) });
    if (!response.ok) return `listing ${root}/models answered ${response.status}`;
    const parsed = modelsSchema.safeParse(await response.json());
    if (!parsed.success) return `${root}/models answered an unexpected shape`;
    const ids = parsed.data.data.map((m) => m.id);
    if (ids.includes(model)) return `the server does list ${model} at ${root}/models, so the path may be wrong`;
    return `the server serves ${ids.length === 0 ? 'no models' : ids.map((id) => JSON.stringify(id)).join(', ')}, not ${JSON.stringify(model)}`;
  } catch (error) {
    return `could not list ${root}/models: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms (the timeoutMs option)`;
  const code = networkErrorCode(error);
  if (code === 'ECONNREFUSED') return 'connection refused: is the server running and listening on that address?';
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}
